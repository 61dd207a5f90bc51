// The mutable state behind a DeliveryView: the records it follows, by key,
// and how a change of one rebuilds only what it touches. Used by the view's
// single worker thread only (no locking here).
#ifndef MARQUEE_SRC_CAMPAIGN_DELIVERY_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_DELIVERY_INTERNAL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/campaign/delivery_view.h"
#include "marquee/campaign/features.h"
#include "marquee/record.h"
#include "marquee/store.h"

namespace marquee::campaign::internal {

using SegmentMap = std::map<std::string, std::shared_ptr<const CompiledCondition>, std::less<>>;

// The denormalised entry of a servable campaign: schedule window, compiled
// condition, resolved segments and hashing inputs.
// Errors: InvalidArgument (the schedule or condition does not resolve;
// cannot happen for a campaign CampaignFromJson accepted).
[[nodiscard]] absl::StatusOr<std::shared_ptr<const DeliveryEntry>> BuildDeliveryEntry(
    Campaign campaign, const SegmentMap& segments);

// The entry with its segments resolved again against `segments`.
std::shared_ptr<const DeliveryEntry> ResolveSegments(const DeliveryEntry& entry,
                                                     const SegmentMap& segments);

// Orders `snapshot.campaigns` (priority desc, id asc) and fills the
// placement indexes from it.
void IndexSnapshot(DeliverySnapshot& snapshot);

class DeliveryState {
 public:
  // Applies one record (from the initial scan) or one change of the feed.
  // During catch-up (see BeginCatchUp) a change at or below the version the
  // key was loaded or changed at is skipped: ApplyChange returns false only
  // then (changes of collections the view does not follow count as applied).
  bool ApplyRecord(const Record& record);
  bool ApplyChange(const Change& change);

  // Everything after `loaded_through` was certainly not seen by the scan:
  // version checks (and the versions remembered for them) end past it.
  void BeginCatchUp(uint64_t loaded_through);

  // A new snapshot at `version`, reusing what did not change.
  std::shared_ptr<const DeliverySnapshot> Publish(uint64_t version);

  void Clear();

 private:
  bool Seen(std::string_view collection, std::string_view id, uint64_t version);
  void PutCampaign(const Record& record);
  void EraseCampaign(const std::string& id);
  void PutSegment(const Record& record);
  void EraseSegment(const std::string& id);
  void ReresolveUsersOf(std::string_view segment_id);
  void PutFeature(const Record& record);

  // Key versions while the scan and the feed overlap.
  absl::flat_hash_map<std::string, uint64_t> versions_;
  uint64_t loaded_through_ = 0;
  bool tracking_ = true;

  std::map<std::string, std::shared_ptr<const DeliveryEntry>, std::less<>> entries_;
  std::map<std::string, HeldCampaign, std::less<>> held_;
  SegmentMap segments_;
  std::map<std::string, FeatureDefinition> features_;
  std::map<std::string, absl::Status, std::less<>> invalid_features_;
  std::shared_ptr<const FeatureSet> feature_set_ = std::make_shared<const FeatureSet>();
  bool features_dirty_ = false;
};

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_DELIVERY_INTERNAL_H_
