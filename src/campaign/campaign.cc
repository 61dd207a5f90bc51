// The campaign model: statuses, transitions, validation, servability
// (campaign.h). JSON lives in campaign_json.cc.
#include "marquee/campaign/campaign.h"

#include <array>
#include <cmath>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/condition.h"
#include "marquee/record.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

using ::marquee::internal::Sv;

constexpr std::array<std::string_view, 5> kStatusNames = {"draft", "scheduled", "live", "paused",
                                                          "ended"};

// Prefixes a record-id error with the field it came from.
absl::Status CheckId(std::string_view id, std::string_view field) {
  absl::Status s = ValidateRecordId(id);
  if (s.ok()) return s;
  return absl::InvalidArgumentError(absl::StrCat(Sv(field), ": ", s.message()));
}

absl::Status CheckIds(const std::vector<std::string>& ids, std::string_view field) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (absl::Status s = CheckId(ids[i], absl::StrCat(Sv(field), "[", i, "]")); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// Free-text fields must be writable as JSON strings.
absl::Status CheckUtf8(std::string_view text, std::string_view field) {
  if (Json::FromString(text).ok()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(Sv(field), ": not valid UTF-8"));
}

absl::Status CheckVariants(const std::vector<Variant>& variants) {
  if (variants.empty()) return absl::InvalidArgumentError("variants: at least one is required");
  std::set<std::string_view> keys;
  double sum = 0;
  for (size_t i = 0; i < variants.size(); ++i) {
    const Variant& v = variants[i];
    const std::string path = absl::StrCat("variants[", i, "]");
    if (v.key.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ".key: must not be empty"));
    if (absl::Status s = CheckId(v.key, absl::StrCat(path, ".key")); !s.ok()) return s;
    if (!keys.insert(v.key).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".key: duplicate variant key '", v.key, "'"));
    }
    if (!std::isfinite(v.weight) || v.weight < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".weight: must be a finite number >= 0, got ", v.weight));
    }
    sum += v.weight;
  }
  if (std::fabs(sum - 1.0) > kVariantWeightTolerance) {
    return absl::InvalidArgumentError(
        absl::StrCat("variants: weights sum to ", sum, ", not 1 (within ", kVariantWeightTolerance,
                     ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckExperiment(const ExperimentSettings& e) {
  if (e.hash_attribute.empty()) {
    return absl::InvalidArgumentError("experiment.hashAttribute: must not be empty");
  }
  if (absl::Status s = CheckUtf8(e.hash_attribute, "experiment.hashAttribute"); !s.ok()) return s;
  if (e.fallback_attribute.has_value()) {
    MARQUEE_RETURN_IF_ERROR(CheckUtf8(*e.fallback_attribute, "experiment.fallbackAttribute"));
  }
  if (e.seed.has_value()) MARQUEE_RETURN_IF_ERROR(CheckUtf8(*e.seed, "experiment.seed"));
  if (e.fallback_attribute.has_value() && e.fallback_attribute->empty()) {
    return absl::InvalidArgumentError("experiment.fallbackAttribute: must not be empty when set");
  }
  if (!(e.coverage >= 0 && e.coverage <= 1)) {  // also refuses NaN
    return absl::InvalidArgumentError(
        absl::StrCat("experiment.coverage: must be within [0, 1], got ", e.coverage));
  }
  if (e.hash_version != 1 && e.hash_version != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("experiment.hashVersion: must be 1 or 2, got ", e.hash_version));
  }
  return absl::OkStatus();
}

absl::Status CheckTargeting(const Targeting& t) {
  if (t.condition.has_value()) {
    if (!t.condition->is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "targeting.condition: expected an object, got ", Sv(ValueTypeName(t.condition->type()))));
    }
    absl::StatusOr<CompiledCondition> compiled = CompiledCondition::Compile(*t.condition);
    if (!compiled.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("targeting.condition: ", compiled.status().message()));
    }
  }
  return CheckIds(t.segments, "targeting.segments");
}

}  // namespace

std::string_view CampaignStatusName(CampaignStatus status) {
  const auto i = static_cast<size_t>(status);
  return i < kStatusNames.size() ? kStatusNames[i] : std::string_view("unknown");
}

absl::StatusOr<CampaignStatus> ParseCampaignStatus(std::string_view name) {
  for (size_t i = 0; i < kStatusNames.size(); ++i) {
    if (kStatusNames[i] == name) return static_cast<CampaignStatus>(i);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("status: unknown status '", Sv(name.substr(0, 64)),
                   "'; expected one of draft, scheduled, live, paused, ended"));
}

absl::Status CheckTransition(CampaignStatus from, CampaignStatus to) {
  using S = CampaignStatus;
  if (from == to) return absl::OkStatus();
  bool allowed = false;
  switch (from) {
    case S::kDraft: allowed = to == S::kScheduled || to == S::kLive || to == S::kEnded; break;
    case S::kScheduled: allowed = true; break;  // to any other status
    case S::kLive: allowed = to == S::kPaused || to == S::kEnded; break;
    case S::kPaused: allowed = to == S::kLive || to == S::kScheduled || to == S::kEnded; break;
    case S::kEnded: allowed = false; break;
  }
  if (allowed) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("campaign is ", Sv(CampaignStatusName(from)),
                                                    ": cannot go ", Sv(CampaignStatusName(to))));
}

Json Campaign::EmptyObject() {
  static const Json* const kEmpty = new Json(*Json::Parse("{}"));
  return *kEmpty;
}

Json Campaign::EmptyArray() {
  static const Json* const kEmpty = new Json(*Json::Parse("[]"));
  return *kEmpty;
}

absl::Status ValidateCampaign(const Campaign& c) {
  if (absl::Status s = CheckId(c.id, "id"); !s.ok()) return s;
  if (c.name.empty()) return absl::InvalidArgumentError("name: must not be empty");
  if (c.name.size() > kMaxCampaignNameBytes) {
    return absl::InvalidArgumentError(absl::StrCat("name: longer than ", kMaxCampaignNameBytes,
                                                   " bytes (", c.name.size(), ")"));
  }
  if (absl::Status s = CheckUtf8(c.name, "name"); !s.ok()) return s;
  if (CampaignStatusName(c.status) == "unknown") {
    return absl::InvalidArgumentError(
        absl::StrCat("status: unknown status ", static_cast<int>(c.status)));
  }
  if (absl::StatusOr<ScheduleWindow> w = ResolveSchedule(c.schedule); !w.ok()) return w.status();
  if (c.priority < kMinCampaignPriority || c.priority > kMaxCampaignPriority) {
    return absl::InvalidArgumentError(absl::StrCat(
        "priority: must be within [", kMinCampaignPriority, ", ", kMaxCampaignPriority, "], got ",
        c.priority));
  }
  if (absl::Status s = CheckIds(c.placements, "placements"); !s.ok()) return s;
  if (absl::Status s = CheckTargeting(c.targeting); !s.ok()) return s;
  if (absl::Status s = CheckVariants(c.variants); !s.ok()) return s;
  if (absl::Status s = CheckExperiment(c.experiment); !s.ok()) return s;
  if (absl::Status s = CheckIds(c.tags, "tags"); !s.ok()) return s;
  if (c.attributes.text().empty() || c.attributes.text().front() != '{') {
    return absl::InvalidArgumentError("attributes: expected an object");
  }
  if (c.rules.text().empty() || c.rules.text().front() != '[') {
    return absl::InvalidArgumentError("rules: expected an array");
  }
  return absl::OkStatus();
}

bool IsServable(const Campaign& campaign, absl::Time now) {
  if (campaign.status != CampaignStatus::kScheduled && campaign.status != CampaignStatus::kLive) {
    return false;
  }
  absl::StatusOr<ScheduleWindow> window = ResolveSchedule(campaign.schedule);
  return window.ok() && window->Contains(now);
}

}  // namespace marquee::campaign
