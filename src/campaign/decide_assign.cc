// Per-campaign work of Decide: the targeting check (schedule, segments,
// condition) and the variant assignment (GrowthBook hashing, coverage,
// sticky buckets), each able to say which clause decided.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "campaign/decide_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/hashing.h"

namespace marquee::campaign::internal {
namespace {

std::string FormatInstant(absl::Time t) {
  if (t == absl::InfinitePast()) return "-inf";
  if (t == absl::InfiniteFuture()) return "+inf";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

// The text GrowthBook hashes for an attribute value: strings as they are,
// numbers and booleans as JavaScript's String() writes them; anything else
// (absent, null, objects) gives "" (no hash value).
std::string HashText(const Value* v) {
  if (v == nullptr) return "";
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_number() || v->is_bool()) return v->ToJsonText();
  return "";
}

void SetVariant(const DeliveryEntry& entry, int index, CampaignDecision& decision) {
  const Variant& v = entry.campaign.variants[static_cast<size_t>(index)];
  decision.variant_index = index;
  decision.variant_key = v.key;
  decision.content = v.content;
}

}  // namespace

bool Targets(const DeliveryEntry& entry, const Value& attributes, absl::Time now,
             std::string* reason, std::vector<std::string>* explain) {
  const Campaign& c = entry.campaign;
  if (!entry.window.Contains(now)) {
    if (reason != nullptr) {
      *reason = absl::StrCat("schedule: ", FormatInstant(now), " is outside [",
                             FormatInstant(entry.window.start), ", ",
                             FormatInstant(entry.window.end), ") (", c.schedule.time_zone, ")");
    }
    return false;
  }
  if (explain != nullptr) {
    explain->push_back(absl::StrCat("status: ", ::marquee::internal::Sv(CampaignStatusName(c.status))));
    explain->push_back(absl::StrCat("schedule: running (", c.schedule.time_zone, ")"));
  }
  if (!entry.missing_segment.empty()) {
    if (reason != nullptr) *reason = absl::StrCat("segment ", entry.missing_segment, ": does not exist");
    return false;
  }
  if (!entry.condition.Evaluate(attributes)) {
    if (reason != nullptr) *reason = "condition: false";
    return false;
  }
  if (explain != nullptr) {
    explain->push_back(c.targeting.condition.has_value() ? "condition: true" : "condition: none");
  }
  for (const ResolvedSegment& s : entry.segments) {
    if (!s.condition->Evaluate(attributes)) {
      if (reason != nullptr) *reason = absl::StrCat("segment ", s.id, ": false");
      return false;
    }
    if (explain != nullptr) explain->push_back(absl::StrCat("segment ", s.id, ": true"));
  }
  return true;
}

void AssignVariant(const DeliveryEntry& entry, const Value& attributes, StickyBucketService* sticky,
                   CampaignDecision& decision, bool explain) {
  const ExperimentSettings& x = entry.campaign.experiment;
  SetVariant(entry, 0, decision);
  decision.in_experiment = false;
  decision.sticky_used = false;

  std::string attribute = x.hash_attribute;
  std::string hash_value = HashText(attributes.Find(attribute));
  if (hash_value.empty() && x.fallback_attribute.has_value()) {
    attribute = *x.fallback_attribute;
    hash_value = HashText(attributes.Find(attribute));
  }
  if (hash_value.empty()) {
    if (explain) {
      decision.explain.push_back(
          absl::StrCat("hash: no value for '", x.hash_attribute, "': variant 0, not in experiment"));
    }
    return;
  }

  const std::string assignment_key = absl::StrCat(entry.campaign.id, "__0");
  std::optional<StickyAssignmentsDoc> doc;
  if (x.sticky && sticky != nullptr) {
    absl::StatusOr<std::optional<StickyAssignmentsDoc>> read =
        sticky->GetAssignments(attribute, hash_value);
    // An unreadable document only costs stickiness for this call.
    if (read.ok()) doc = *std::move(read);
    if (doc.has_value()) {
      auto it = doc->assignments.find(assignment_key);
      if (it != doc->assignments.end()) {
        for (size_t i = 0; i < entry.campaign.variants.size(); ++i) {
          if (entry.campaign.variants[i].key != it->second) continue;
          SetVariant(entry, static_cast<int>(i), decision);
          decision.in_experiment = true;
          decision.sticky_used = true;
          if (explain) {
            decision.explain.push_back(absl::StrCat("sticky: kept variant ", it->second, " for ",
                                                    attribute, "=", hash_value));
          }
          return;
        }
      }
    }
  }

  std::optional<double> n = Hash(entry.seed, hash_value, x.hash_version);
  const int index = n.has_value() ? ChooseVariation(*n, entry.ranges) : -1;
  if (index < 0) {
    if (explain) {
      decision.explain.push_back(absl::StrCat("coverage: hash ", n.value_or(-1), " outside coverage ",
                                              x.coverage, ": variant 0, not in experiment"));
    }
    return;
  }
  SetVariant(entry, index, decision);
  decision.in_experiment = true;
  if (explain) {
    decision.explain.push_back(absl::StrCat("variant: ", decision.variant_key, " (index ", index,
                                            ") by hash ", *n, " of ", attribute));
  }
  if (x.sticky && sticky != nullptr) {
    StickyAssignmentsDoc save{.attribute_name = attribute, .attribute_value = hash_value,
                              .assignments = {{assignment_key, decision.variant_key}}};
    // A failed save is not the page view's failure: the assignment is
    // recomputed (identically while the weights stay) next time.
    absl::Status saved = sticky->SaveAssignments(save);
    if (explain) {
      decision.explain.push_back(saved.ok() ? "sticky: assignment saved"
                                            : absl::StrCat("sticky: save failed: ",
                                                           saved.message()));
    }
  }
}

}  // namespace marquee::campaign::internal
