// JSON of feature results and of contextual-bandit definitions
// (marquee/campaign/evaluator.h).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/json_fields_internal.h"
#include "marquee/campaign/evaluator.h"

namespace marquee::campaign {

std::string_view FeatureSourceName(FeatureSource source) {
  switch (source) {
    case FeatureSource::kUnknownFeature:
      return "unknownFeature";
    case FeatureSource::kDefaultValue:
      return "defaultValue";
    case FeatureSource::kForce:
      return "force";
    case FeatureSource::kExperiment:
      return "experiment";
    case FeatureSource::kPrerequisite:
      return "prerequisite";
    case FeatureSource::kCyclicPrerequisite:
      return "cyclicPrerequisite";
  }
  return "unknownFeature";
}

Value FeatureResultToValue(const FeatureResult& result) {
  internal::FieldWriter w;
  w.Put("value", result.value);
  w.Put("on", Value::Bool(result.on));
  w.Put("off", Value::Bool(result.off));
  w.Put("source", Value::String(std::string(FeatureSourceName(result.source))));
  w.Put("ruleId", Value::String(result.rule_id));
  if (result.experiment) w.Put("experiment", ExperimentToValue(*result.experiment));
  if (result.experiment_result) {
    w.Put("experimentResult", ExperimentResultToValue(*result.experiment_result));
  }
  return w.Finish(Value());
}

absl::StatusOr<ContextualBandits> ContextualBanditsFromValue(const Value& value) {
  if (!value.is_object()) return internal::TypeError("contextualBandits", "an object", value);
  ContextualBandits out;
  for (const Value::Member& m : value.members()) {
    internal::FieldReader r(m.second, absl::StrCat("contextualBandits.", m.first));
    ContextualBanditDefinition def;
    def.bandit_version = r.Number("banditVersion");
    std::optional<std::vector<Value>> contexts = r.Array("contexts");
    if (!r.status().ok()) return r.status();
    if (contexts) {
      for (size_t i = 0; i < contexts->size(); ++i) {
        internal::FieldReader lr((*contexts)[i], absl::StrCat(r.FieldPath("contexts"), "[", i, "]"));
        ContextualBanditLeaf leaf;
        std::optional<int> leaf_id = lr.Integer("leafId");
        std::optional<CompiledCondition> condition = lr.Condition("condition");
        std::optional<std::vector<double>> weights = lr.Numbers("weights");
        if (!lr.status().ok()) return lr.status();
        if (!leaf_id) return absl::InvalidArgumentError(lr.FieldPath("leafId") + ": missing");
        if (!weights) return absl::InvalidArgumentError(lr.FieldPath("weights") + ": missing");
        leaf.leaf_id = *leaf_id;
        if (condition) leaf.condition = *std::move(condition);
        leaf.weights = *std::move(weights);
        def.contexts.push_back(std::move(leaf));
      }
    }
    out.emplace(m.first, std::move(def));
  }
  return out;
}

}  // namespace marquee::campaign
