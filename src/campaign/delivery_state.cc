// DeliveryState: the view's records by key and the rebuild each change
// causes. Campaigns that cannot be served are held (with the reason) so
// explain can name them; a segment change re-resolves only the campaigns
// that name it; features are recompiled as one set when any changed.
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "campaign/clause_memo_internal.h"
#include "campaign/delivery_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/campaign.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/segment.h"
#include "marquee/campaign/value.h"

namespace marquee::campaign::internal {
namespace {

using ::marquee::internal::Sv;

bool Follows(std::string_view collection) {
  return collection == kCampaignsCollection || collection == kSegmentsCollection ||
         collection == kFeaturesCollection;
}

std::string VersionKey(std::string_view collection, std::string_view id) {
  return absl::StrCat(Sv(collection), absl::string_view("\0", 1), Sv(id));
}

}  // namespace

bool DeliveryState::Seen(std::string_view collection, std::string_view id, uint64_t version) {
  if (!tracking_) return false;
  if (version > loaded_through_) {
    // Past everything the scan could have read: no more checks needed, and
    // the remembered versions are dropped so they never grow unbounded.
    tracking_ = false;
    versions_.clear();
    return false;
  }
  auto [it, inserted] = versions_.try_emplace(VersionKey(collection, id), version);
  if (inserted) return false;
  if (version <= it->second) return true;
  it->second = version;
  return false;
}

void DeliveryState::BeginCatchUp(uint64_t loaded_through) {
  loaded_through_ = loaded_through;
}

bool DeliveryState::ApplyRecord(const Record& record) {
  if (!Follows(record.collection)) return false;
  // The scan runs before catch-up starts: remember what it read.
  if (tracking_) versions_[VersionKey(record.collection, record.id)] = record.version;
  if (record.collection == kCampaignsCollection) PutCampaign(record);
  if (record.collection == kSegmentsCollection) PutSegment(record);
  if (record.collection == kFeaturesCollection) PutFeature(record);
  return true;
}

bool DeliveryState::ApplyChange(const Change& change) {
  if (!Follows(change.collection)) return true;
  if (Seen(change.collection, change.id, change.version)) return false;
  if (change.kind == Change::Kind::kPut) {
    Record record = change.record;
    record.collection = change.collection;
    record.id = change.id;
    record.version = change.version;
    if (change.collection == kCampaignsCollection) PutCampaign(record);
    if (change.collection == kSegmentsCollection) PutSegment(record);
    if (change.collection == kFeaturesCollection) PutFeature(record);
    return true;
  }
  if (change.collection == kCampaignsCollection) EraseCampaign(change.id);
  if (change.collection == kSegmentsCollection) EraseSegment(change.id);
  if (change.collection == kFeaturesCollection) {
    features_.erase(change.id);
    invalid_features_.erase(change.id);
    features_dirty_ = true;
  }
  return true;
}

void DeliveryState::PutCampaign(const Record& record) {
  EraseCampaign(record.id);
  absl::StatusOr<Campaign> campaign = CampaignFromJson(record.id, record.body);
  if (!campaign.ok()) {
    held_[record.id] = {.id = record.id,
                        .reason = absl::StrCat("invalid record: ", campaign.status().message())};
    return;
  }
  campaign->version = record.version;
  if (campaign->status != CampaignStatus::kScheduled && campaign->status != CampaignStatus::kLive) {
    held_[record.id] = {.id = record.id,
                        .reason = absl::StrCat("status ", Sv(CampaignStatusName(campaign->status)))};
    return;
  }
  absl::StatusOr<std::shared_ptr<const DeliveryEntry>> entry =
      BuildDeliveryEntry(*std::move(campaign), segments_);
  if (!entry.ok()) {
    held_[record.id] = {.id = record.id,
                        .reason = absl::StrCat("invalid record: ", entry.status().message())};
    return;
  }
  entries_[record.id] = *std::move(entry);
}

void DeliveryState::EraseCampaign(const std::string& id) {
  entries_.erase(id);
  held_.erase(id);
}

void DeliveryState::PutSegment(const Record& record) {
  std::shared_ptr<const CompiledCondition> compiled;
  absl::StatusOr<Segment> segment = SegmentFromJson(record.id, record.body);
  if (segment.ok()) {
    ScopedClauseInterning interning;  // as campaign conditions (delivery_entry.cc)
    absl::StatusOr<CompiledCondition> c = CompiledCondition::Compile(segment->condition);
    if (c.ok()) compiled = std::make_shared<const CompiledCondition>(*std::move(c));
  }
  // An invalid segment counts as missing: campaigns naming it are not served.
  if (compiled != nullptr) {
    segments_[record.id] = std::move(compiled);
  } else {
    segments_.erase(record.id);
  }
  ReresolveUsersOf(record.id);
}

void DeliveryState::EraseSegment(const std::string& id) {
  segments_.erase(id);
  ReresolveUsersOf(id);
}

void DeliveryState::ReresolveUsersOf(std::string_view segment_id) {
  for (auto& [id, entry] : entries_) {
    const auto& names = entry->campaign.targeting.segments;
    for (const std::string& name : names) {
      if (name == segment_id) {
        entry = ResolveSegments(*entry, segments_);
        break;
      }
    }
  }
}

void DeliveryState::PutFeature(const Record& record) {
  features_dirty_ = true;
  features_.erase(record.id);
  invalid_features_.erase(record.id);
  const std::string path = absl::StrCat("features.", record.id);
  absl::StatusOr<Value> value = Value::FromJson(record.body);
  absl::StatusOr<FeatureDefinition> def =
      value.ok() ? FeatureDefinitionFromValue(*value, path)
                 : absl::StatusOr<FeatureDefinition>(value.status());
  if (!def.ok()) {
    invalid_features_[record.id] = def.status();
    return;
  }
  features_[record.id] = *std::move(def);
}

std::shared_ptr<const DeliverySnapshot> DeliveryState::Publish(uint64_t version) {
  if (features_dirty_) {
    auto set = FeatureSet::FromDefinitions(features_);
    feature_set_ = std::make_shared<const FeatureSet>(std::move(set));
    features_dirty_ = false;
  }
  auto snapshot = std::make_shared<DeliverySnapshot>();
  snapshot->version = version;
  snapshot->campaigns.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) snapshot->campaigns.push_back(entry);
  IndexSnapshot(*snapshot);
  snapshot->held = held_;
  snapshot->segments = segments_;
  snapshot->features = feature_set_;
  snapshot->invalid_features = invalid_features_;
  return snapshot;
}

void DeliveryState::Clear() {
  *this = DeliveryState();
}

}  // namespace marquee::campaign::internal
