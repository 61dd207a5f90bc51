// Building the denormalised pieces of a DeliverySnapshot: one campaign's
// entry (compiled once, so Decide never reads JSON or resolves a time zone)
// and the priority order with its placement index.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/clause_memo_internal.h"
#include "campaign/delivery_internal.h"
#include "marquee/campaign/hashing.h"
#include "marquee/campaign/schedule.h"

namespace marquee::campaign::internal {
namespace {

void ResolveInto(DeliveryEntry& entry, const SegmentMap& segments) {
  entry.missing_segment.clear();
  entry.segments.clear();
  for (const std::string& id : entry.campaign.targeting.segments) {
    auto it = segments.find(id);
    ResolvedSegment resolved{.id = id, .condition = it == segments.end() ? nullptr : it->second};
    if (resolved.condition == nullptr && entry.missing_segment.empty()) entry.missing_segment = id;
    entry.segments.push_back(std::move(resolved));
  }
}

}  // namespace

absl::StatusOr<std::shared_ptr<const DeliveryEntry>> BuildDeliveryEntry(
    Campaign campaign, const SegmentMap& segments) {
  auto entry = std::make_shared<DeliveryEntry>();
  absl::StatusOr<ScheduleWindow> window = ResolveSchedule(campaign.schedule);
  if (!window.ok()) return window.status();
  entry->window = *window;
  if (campaign.targeting.condition.has_value()) {
    // Decide evaluates every campaign against the same attributes: shared
    // clauses are evaluated once per call (clause_memo_internal.h).
    ScopedClauseInterning interning;
    absl::StatusOr<CompiledCondition> condition =
        CompiledCondition::Compile(*campaign.targeting.condition);
    if (!condition.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("targeting.condition: ", condition.status().message()));
    }
    entry->condition = *std::move(condition);
  }
  entry->seed = campaign.experiment.seed.value_or(campaign.id);
  std::vector<double> weights;
  weights.reserve(campaign.variants.size());
  for (const Variant& v : campaign.variants) weights.push_back(v.weight);
  entry->ranges = GetBucketRanges(static_cast<int>(campaign.variants.size()),
                                  campaign.experiment.coverage, weights);
  entry->campaign = std::move(campaign);
  ResolveInto(*entry, segments);
  return std::shared_ptr<const DeliveryEntry>(std::move(entry));
}

std::shared_ptr<const DeliveryEntry> ResolveSegments(const DeliveryEntry& entry,
                                                     const SegmentMap& segments) {
  auto copy = std::make_shared<DeliveryEntry>(entry);
  ResolveInto(*copy, segments);
  return copy;
}

void IndexSnapshot(DeliverySnapshot& snapshot) {
  std::sort(snapshot.campaigns.begin(), snapshot.campaigns.end(),
            [](const auto& a, const auto& b) {
              if (a->campaign.priority != b->campaign.priority) {
                return a->campaign.priority > b->campaign.priority;
              }
              return a->campaign.id < b->campaign.id;
            });
  snapshot.by_placement.clear();
  snapshot.any_placement.clear();
  for (uint32_t i = 0; i < snapshot.campaigns.size(); ++i) {
    const Campaign& c = snapshot.campaigns[i]->campaign;
    if (c.placements.empty()) snapshot.any_placement.push_back(i);
    for (const std::string& p : c.placements) {
      std::vector<uint32_t>& list = snapshot.by_placement[p];
      // A campaign listing a placement twice appears once.
      if (list.empty() || list.back() != i) list.push_back(i);
    }
  }
  // Campaigns without placements fill every named placement too.
  for (auto& [placement, list] : snapshot.by_placement) {
    std::vector<uint32_t> merged;
    merged.reserve(list.size() + snapshot.any_placement.size());
    std::merge(list.begin(), list.end(), snapshot.any_placement.begin(),
               snapshot.any_placement.end(), std::back_inserter(merged));
    list = std::move(merged);
  }
}

}  // namespace marquee::campaign::internal
