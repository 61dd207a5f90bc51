// Options, index checks and paging shared by EraseUser and ExportUser.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/merge_patch_internal.h"
#include "campaign/privacy_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/collections.h"
#include "marquee/record.h"
#include "marquee/status.h"

namespace marquee::campaign::internal {

using ::marquee::internal::Sv;

absl::Status ValidateUserKeyedCollections(const std::vector<UserKeyedCollection>& collections) {
  static constexpr std::string_view kTaken[] = {
      kCampaignsCollection, kSegmentsCollection,      kFeaturesCollection,
      kPollsCollection,     kVotesCollection,         kPollTalliesCollection,
      kProfilesCollection,  kStickyBucketsCollection, kEventAggregatesCollection,
      "user",               "profile",                "stickyBuckets"};
  std::set<std::string, std::less<>> seen;
  for (size_t i = 0; i < collections.size(); ++i) {
    const UserKeyedCollection& c = collections[i];
    const std::string field = absl::StrCat("extra_collections[", i, "]");
    if (absl::Status s = ValidateCollectionName(c.collection); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".collection: ", s.message()));
    }
    for (std::string_view taken : kTaken) {
      if (c.collection == taken) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".collection: '", c.collection,
                         "' is the domain's own (or a member of the export document)"));
      }
    }
    if (!seen.insert(c.collection).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".collection: '", c.collection, "' is listed twice"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckIndexDeclared(const Store& store, std::string_view collection,
                                std::string_view index) {
  for (const IndexSpec& spec : store.Indexes(collection)) {
    if (spec.name == index) return absl::OkStatus();
  }
  return absl::FailedPreconditionError(
      absl::StrCat("index ", Sv(collection), ".", Sv(index),
                   " is not declared (PrepareCampaignStore declares the domain's)"));
}

absl::Status CheckUserIndexes(const Store& store, const std::vector<UserKeyedCollection>& extra) {
  MARQUEE_RETURN_IF_ERROR(CheckIndexDeclared(store, kVotesCollection, kVotesByUserIndex));
  MARQUEE_RETURN_IF_ERROR(
      CheckIndexDeclared(store, kStickyBucketsCollection, kStickyBucketsByValueIndex));
  for (const UserKeyedCollection& c : extra) {
    if (!c.index.empty()) MARQUEE_RETURN_IF_ERROR(CheckIndexDeclared(store, c.collection, c.index));
  }
  return absl::OkStatus();
}

absl::StatusOr<ScanResult> ScanUserRows(const Store& store, std::string_view collection,
                                        std::string_view index, std::string_view user,
                                        size_t limit, const std::optional<ScanPosition>& after) {
  ScanRequest request{.collection = std::string(collection),
                      .index = std::string(index),
                      .prefix = {IndexValue::String(std::string(user))},
                      .limit = limit,
                      .max_scanned = limit,
                      .after = after};
  return store.Scan(request);
}

std::optional<std::string> StringMember(std::string_view object_text, std::string_view key) {
  std::optional<std::string_view> value = FindJsonMember(object_text, key);
  if (!value || value->size() < 2 || (*value)[0] != '"') return std::nullopt;
  return UnescapeJsonString(value->substr(1, value->size() - 2));
}

}  // namespace marquee::campaign::internal
