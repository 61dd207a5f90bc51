// Pieces of Decider: the L1-cached reads (profiles, sticky-bucket documents)
// and the per-campaign check and variant assignment.
#ifndef MARQUEE_SRC_CAMPAIGN_DECIDE_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_DECIDE_INTERNAL_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/cache.h"
#include "marquee/campaign/decide.h"
#include "marquee/campaign/delivery_view.h"
#include "marquee/campaign/sticky_bucket.h"
#include "marquee/campaign/value.h"
#include "marquee/store.h"

namespace marquee::campaign::internal {

// A StoreStickyBucketService read through an L1 cache. The cache is
// invalidated from the change feed (Decider's DeliveryView) and on every
// save, so a returning user's document costs no store read.
class CachedStickyBucketService final : public StickyBucketService {
 public:
  // `store` and `cache` are not owned.
  CachedStickyBucketService(Store* store, Cache<StickyAssignmentsDoc>* cache);
  // Errors: those of StoreStickyBucketService::GetAssignments.
  absl::StatusOr<std::optional<StickyAssignmentsDoc>> GetAssignments(
      std::string_view attribute_name, std::string_view attribute_value) override;
  // Errors: those of StoreStickyBucketService::SaveAssignments.
  absl::Status SaveAssignments(const StickyAssignmentsDoc& doc) override;

 private:
  Store* store_;
  Cache<StickyAssignmentsDoc>* cache_;
  StoreStickyBucketService base_;
};

// The attributes object of profiles/<user> through `cache`; null when the
// user has no profile (remembered in the cache too).
// Errors: DataLoss (the body has no "attributes" object), those of Store::Get.
absl::StatusOr<std::shared_ptr<const Value>> LoadProfileAttributes(Store& store, Cache<Value>& cache,
                                                                   const std::string& user);

// Profile attributes, then the context's members, then "id" = user if absent.
Value MergeAttributes(const Value* profile, const Value& context, const std::string& user);

// Whether `entry` is selected for `attributes` at `now` (placement already
// checked). On no, `reason` (when not null) says which clause failed: only
// an explained decision builds it, since most campaigns do not match and
// formatting the schedule's instants cost more than the check. With
// `explain`, the clauses that passed are appended to it.
bool Targets(const DeliveryEntry& entry, const Value& attributes, absl::Time now,
             std::string* reason, std::vector<std::string>* explain);

// Fills the variant of `decision` for a selected campaign: GrowthBook
// hashing, sticky buckets through `sticky` when the campaign is sticky.
void AssignVariant(const DeliveryEntry& entry, const Value& attributes, StickyBucketService* sticky,
                   CampaignDecision& decision, bool explain);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_DECIDE_INTERNAL_H_
