// GrowthBook JSON for experiments and experiment results (marquee/campaign/experiment.h).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "campaign/json_fields_internal.h"
#include "marquee/campaign/experiment.h"

namespace marquee::campaign {

absl::StatusOr<Experiment> ExperimentFromValue(const Value& value, std::string_view path) {
  internal::FieldReader r(value, std::string(path));
  Experiment e;
  std::optional<std::string> key = r.String("key");
  std::optional<std::vector<Value>> variations = r.Array("variations");
  e.weights = r.Numbers("weights");
  e.active = r.Bool("active");
  e.coverage = r.Number("coverage");
  e.ranges = r.Ranges("ranges");
  e.condition = r.Condition("condition");
  e.parent_conditions = r.ParentConditions("parentConditions");
  e.ns = r.NamespaceField("namespace");
  e.filters = r.Filters("filters");
  e.force = r.Integer("force");
  e.hash_attribute = r.String("hashAttribute");
  e.fallback_attribute = r.String("fallbackAttribute");
  e.hash_version = r.Integer("hashVersion");
  e.meta = r.Meta("meta");
  e.seed = r.String("seed");
  e.name = r.String("name");
  e.phase = r.String("phase");
  e.disable_sticky_bucketing = r.Bool("disableStickyBucketing");
  e.bucket_version = r.Integer("bucketVersion");
  e.min_bucket_version = r.Integer("minBucketVersion");
  if (const Value* cb = r.Any("contextualBandit"); cb != nullptr && r.status().ok()) {
    internal::FieldReader cr(*cb, r.FieldPath("contextualBandit"));
    ContextualBanditChoice choice;
    choice.leaf_id = cr.Integer("leafId").value_or(-1);
    choice.variation_weights = cr.Numbers("variationWeights").value_or(std::vector<double>{});
    choice.bandit_version = cr.Number("banditVersion");
    if (!cr.status().ok()) r.Fail(cr.status());
    e.contextual_bandit = std::move(choice);
  }
  e.extra = r.Extra();
  if (r.status().ok() && !key) r.Fail(absl::InvalidArgumentError(r.FieldPath("key") + ": missing"));
  if (r.status().ok() && !variations) {
    r.Fail(absl::InvalidArgumentError(r.FieldPath("variations") + ": missing"));
  }
  if (!r.status().ok()) return r.status();
  e.key = *std::move(key);
  e.variations = *std::move(variations);
  return e;
}

namespace {

Value ContextualBanditToValue(const ContextualBanditChoice& choice) {
  internal::FieldWriter w;
  w.Put("leafId", Value::Number(choice.leaf_id));
  w.Put("variationWeights", internal::NumbersToValue(choice.variation_weights));
  w.PutNumber("banditVersion", choice.bandit_version);
  return w.Finish(Value());
}

}  // namespace

Value ExperimentToValue(const Experiment& e) {
  internal::FieldWriter w;
  w.Put("key", Value::String(e.key));
  w.Put("variations", Value::Array(e.variations));
  w.PutNumbers("weights", e.weights);
  w.PutBool("active", e.active);
  w.PutNumber("coverage", e.coverage);
  w.PutRanges("ranges", e.ranges);
  w.PutCondition("condition", e.condition);
  w.PutParentConditions("parentConditions", e.parent_conditions);
  w.PutNamespace("namespace", e.ns);
  w.PutFilters("filters", e.filters);
  w.PutInteger("force", e.force);
  w.PutString("hashAttribute", e.hash_attribute);
  w.PutString("fallbackAttribute", e.fallback_attribute);
  w.PutInteger("hashVersion", e.hash_version);
  w.PutMeta("meta", e.meta);
  w.PutString("seed", e.seed);
  w.PutString("name", e.name);
  w.PutString("phase", e.phase);
  w.PutBool("disableStickyBucketing", e.disable_sticky_bucketing);
  w.PutInteger("bucketVersion", e.bucket_version);
  w.PutInteger("minBucketVersion", e.min_bucket_version);
  if (e.contextual_bandit) w.Put("contextualBandit", ContextualBanditToValue(*e.contextual_bandit));
  return w.Finish(e.extra);
}

Value ExperimentResultToValue(const ExperimentResult& r) {
  internal::FieldWriter w;
  w.Put("key", Value::String(r.key));
  w.Put("featureId", r.feature_id ? Value::String(*r.feature_id) : Value());
  w.Put("inExperiment", Value::Bool(r.in_experiment));
  w.Put("hashUsed", Value::Bool(r.hash_used));
  w.Put("variationId", Value::Number(r.variation_id));
  w.Put("value", r.value);
  w.Put("hashAttribute", Value::String(r.hash_attribute));
  w.Put("hashValue", r.hash_value);
  w.Put("stickyBucketUsed", Value::Bool(r.sticky_bucket_used));
  w.PutString("name", r.name);
  w.PutNumber("bucket", r.bucket);
  if (r.passthrough) w.Put("passthrough", Value::Bool(true));
  if (r.contextual_bandit) {
    w.Put("leafId", Value::Number(r.contextual_bandit->leaf_id));
    w.Put("variationWeights", internal::NumbersToValue(r.contextual_bandit->variation_weights));
    w.PutNumber("banditVersion", r.contextual_bandit->bandit_version);
  }
  return w.Finish(Value());
}

}  // namespace marquee::campaign
