// The domain's collections: indexes and schema versions (collections.h).
#include "marquee/campaign/collections.h"

#include <string>

#include "marquee/status.h"

namespace marquee::campaign {
namespace {

IndexSpec Index(std::string_view collection, std::string_view name,
                std::vector<IndexField> fields) {
  return IndexSpec{.collection = std::string(collection),
                   .name = std::string(name),
                   .fields = std::move(fields)};
}

}  // namespace

std::vector<IndexSpec> CampaignIndexes() {
  return {
      // Delivery loads the servable campaigns by status, highest priority first.
      Index(kCampaignsCollection, kCampaignsByStatusIndex,
            {{.pointer = "/status"}, {.pointer = "/priority", .order = SortOrder::kDescending}}),
      // The lists' sorts (GET /v1/campaigns?sort=-priority, /v1/segments?sort=name,
      // /v1/polls?sort=closesAt).
      Index(kCampaignsCollection, kCampaignsByPriorityIndex,
            {{.pointer = "/priority", .order = SortOrder::kDescending}}),
      Index(kSegmentsCollection, kSegmentsByNameIndex, {{.pointer = "/name"}}),
      Index(kPollsCollection, kPollsByClosesAtIndex, {{.pointer = "/closesAt"}}),
      // Erase and Export find a user's votes; a poll's voters are listed by poll.
      Index(kVotesCollection, kVotesByUserIndex, {{.pointer = "/user"}}),
      Index(kVotesCollection, kVotesByPollIndex, {{.pointer = "/poll"}}),
      // A user's sticky buckets, whatever hash attribute named them.
      Index(kStickyBucketsCollection, kStickyBucketsByValueIndex, {{.pointer = "/attributeValue"}}),
      // Stats reads one campaign's aggregates of one bucket size in time order.
      Index(kEventAggregatesCollection, kAggregatesByCampaignIndex,
            {{.pointer = "/campaign"}, {.pointer = "/bucket"}, {.pointer = "/start"}}),
  };
}

absl::Status PrepareCampaignStore(Store& store) {
  for (const IndexSpec& spec : CampaignIndexes()) {
    MARQUEE_RETURN_IF_ERROR(store.DefineIndex(spec));
  }
  return absl::OkStatus();
}

std::vector<CollectionSchema> CampaignSchemas() {
  std::vector<CollectionSchema> schemas;
  for (std::string_view collection :
       {kCampaignsCollection, kSegmentsCollection, kFeaturesCollection, kPollsCollection,
        kVotesCollection, kPollTalliesCollection, kProfilesCollection, kStickyBucketsCollection,
        kEventAggregatesCollection}) {
    schemas.push_back({.collection = std::string(collection), .current_version = 1});
  }
  return schemas;
}

}  // namespace marquee::campaign
