// GrowthBook JSON for feature definitions and rules (marquee/campaign/features.h).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/feature_set_internal.h"
#include "campaign/json_fields_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/features.h"

namespace marquee::campaign {
namespace {

absl::StatusOr<FeatureRule> RuleFromValue(const Value& value, std::string path) {
  internal::FieldReader r(value, std::move(path));
  FeatureRule rule;
  rule.id = r.String("id");
  if (const Value* force = r.Any("force")) rule.force = *force;
  rule.range = r.Range("range");
  rule.variations = r.Array("variations");
  rule.key = r.String("key");
  internal::ReadSharedExperimentFields(r, rule);
  if (const Value* tracks = r.Any("tracks")) {
    // Checked now, so evaluation can rely on every track being readable.
    absl::StatusOr<std::vector<RuleTrack>> read =
        internal::TracksFromValue(*tracks, r.FieldPath("tracks"));
    if (!read.ok()) r.Fail(read.status());
    rule.tracks = *tracks;
  }
  rule.contextual_variations = r.Array("contextualVariations");
  rule.contextual_bandit_ref = r.String("contextualBanditRef");
  rule.extra = r.Extra();
  rule.member_order = r.MemberOrder();
  if (!r.status().ok()) return r.status();
  return rule;
}

Value RuleToValue(const FeatureRule& rule) {
  internal::FieldWriter w;
  w.PutString("id", rule.id);
  if (rule.force) w.Put("force", *rule.force);
  w.PutRange("range", rule.range);
  w.PutValues("variations", rule.variations);
  w.PutString("key", rule.key);
  internal::WriteSharedExperimentFields(rule, w);
  if (rule.tracks) w.Put("tracks", *rule.tracks);
  w.PutValues("contextualVariations", rule.contextual_variations);
  w.PutString("contextualBanditRef", rule.contextual_bandit_ref);
  return w.Finish(rule.extra, rule.member_order);
}

}  // namespace

namespace internal {

absl::StatusOr<std::vector<RuleTrack>> TracksFromValue(const Value& tracks,
                                                       std::string_view path) {
  if (!tracks.is_array()) return TypeError(path, "an array", tracks);
  std::vector<RuleTrack> out;
  out.reserve(tracks.size());
  for (size_t i = 0; i < tracks.size(); ++i) {
    FieldReader r(tracks.At(i), absl::StrCat(marquee::internal::Sv(path), "[", i, "]"));
    const Value* experiment = r.Any("experiment");
    const Value* result = r.Any("result");
    if (!r.status().ok()) return r.status();
    if (experiment == nullptr || result == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(r.FieldPath(experiment == nullptr ? "experiment" : "result"), ": missing"));
    }
    absl::StatusOr<Experiment> e = ExperimentFromValue(
        *experiment, r.FieldPath("experiment"), /*require_variations=*/false);
    if (!e.ok()) return e.status();
    absl::StatusOr<ExperimentResult> res = ExperimentResultFromValue(*result, r.FieldPath("result"));
    if (!res.ok()) return res.status();
    out.push_back({std::make_shared<const Experiment>(*std::move(e)), *std::move(res)});
  }
  return out;
}

}  // namespace internal

absl::StatusOr<FeatureDefinition> FeatureDefinitionFromValue(const Value& value,
                                                             std::string_view path) {
  internal::FieldReader r(value, std::string(path));
  FeatureDefinition def;
  if (const Value* d = r.Any("defaultValue")) def.default_value = *d;
  if (const Value* rules = r.Any("rules")) {
    if (!rules->is_array()) {
      r.Fail(internal::TypeError(r.FieldPath("rules"), "an array", *rules));
    } else {
      std::vector<FeatureRule> out;
      out.reserve(rules->size());
      for (size_t i = 0; i < rules->size() && r.status().ok(); ++i) {
        absl::StatusOr<FeatureRule> rule =
            RuleFromValue(rules->At(i), absl::StrCat(r.FieldPath("rules"), "[", i, "]"));
        if (!rule.ok()) {
          r.Fail(rule.status());
        } else {
          out.push_back(*std::move(rule));
        }
      }
      def.rules = std::move(out);
    }
  }
  def.extra = r.Extra();
  def.member_order = r.MemberOrder();
  if (!r.status().ok()) return r.status();
  return def;
}

Value FeatureDefinitionToValue(const FeatureDefinition& def) {
  internal::FieldWriter w;
  if (def.default_value) w.Put("defaultValue", *def.default_value);
  if (def.rules) {
    std::vector<Value> rules;
    rules.reserve(def.rules->size());
    for (const FeatureRule& rule : *def.rules) rules.push_back(RuleToValue(rule));
    w.Put("rules", Value::Array(std::move(rules)));
  }
  return w.Finish(def.extra, def.member_order);
}

}  // namespace marquee::campaign
