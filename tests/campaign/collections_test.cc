// The domain's collections: indexes declared once, schemas accepted by a
// SchemaRegistry.
#include "marquee/campaign/collections.h"

#include <memory>
#include <set>
#include <string>

#include "doctest/doctest.h"
#include "marquee/memory_store.h"
#include "marquee/schema.h"

namespace marquee::campaign {
namespace {

TEST_CASE("every campaign index is valid and declared on the store") {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore();
  REQUIRE(store.ok());
  REQUIRE(PrepareCampaignStore(**store).ok());
  for (const IndexSpec& spec : CampaignIndexes()) {
    CHECK(ValidateIndexSpec(spec).ok());
    bool declared = false;
    for (const IndexSpec& have : (*store)->Indexes(spec.collection)) declared |= have == spec;
    CHECK_MESSAGE(declared, spec.collection, ".", spec.name);
  }
}

TEST_CASE("preparing the store twice is a no-op") {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore();
  REQUIRE(store.ok());
  REQUIRE(PrepareCampaignStore(**store).ok());
  CHECK(PrepareCampaignStore(**store).ok());
}

TEST_CASE("an index of the same name with other fields is refused, naming it") {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore();
  REQUIRE(store.ok());
  REQUIRE((*store)
              ->DefineIndex({.collection = std::string(kVotesCollection),
                             .name = std::string(kVotesByUserIndex),
                             .fields = {{.pointer = "/someone"}}})
              .ok());
  absl::Status status = PrepareCampaignStore(**store);
  CHECK(status.code() == absl::StatusCode::kAlreadyExists);
  CHECK(std::string(status.message()).find(kVotesByUserIndex) != std::string::npos);
}

TEST_CASE("the schemas name every collection once and build a registry") {
  std::set<std::string> names;
  for (const CollectionSchema& schema : CampaignSchemas()) {
    CHECK(schema.current_version == 1);
    CHECK(names.insert(schema.collection).second);
  }
  for (std::string_view c : {kCampaignsCollection, kSegmentsCollection, kFeaturesCollection,
                             kPollsCollection, kVotesCollection, kPollTalliesCollection,
                             kProfilesCollection, kStickyBucketsCollection,
                             kEventAggregatesCollection}) {
    CHECK(names.count(std::string(c)) == 1);
  }
  CHECK(SchemaRegistry::Create(CampaignSchemas()).ok());
}

}  // namespace
}  // namespace marquee::campaign
