// GrowthBook JSON for experiments and experiment results (marquee/campaign/experiment.h).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "campaign/condition_ops_internal.h"
#include "campaign/json_fields_internal.h"
#include "marquee/campaign/experiment.h"

namespace marquee::campaign {
namespace {

std::optional<ContextualBanditChoice> ReadContextualBandit(internal::FieldReader& r) {
  const Value* cb = r.Any("contextualBandit");
  if (cb == nullptr || !r.status().ok()) return std::nullopt;
  internal::FieldReader cr(*cb, r.FieldPath("contextualBandit"));
  ContextualBanditChoice choice;
  choice.leaf_id = cr.Integer("leafId").value_or(-1);
  choice.variation_weights = cr.Numbers("variationWeights").value_or(std::vector<double>{});
  choice.bandit_version = cr.Number("banditVersion");
  if (!cr.status().ok()) r.Fail(cr.status());
  return choice;
}

// `url` must compile: a pattern that cannot is a broken definition, better
// reported when read than silently matching nobody on every Run.
std::optional<std::string> ReadUrlPattern(internal::FieldReader& r) {
  std::optional<std::string> url = r.String("url");
  if (url && internal::CompileRegex(Value::String(*url), false) == nullptr) {
    r.Fail(absl::InvalidArgumentError(
        absl::StrCat(r.FieldPath("url"), ": not a valid regular expression")));
    return std::nullopt;
  }
  return url;
}

void Missing(internal::FieldReader& r, std::string_view key) {
  r.Fail(absl::InvalidArgumentError(absl::StrCat(r.FieldPath(key), ": missing")));
}

Value ContextualBanditToValue(const ContextualBanditChoice& choice) {
  internal::FieldWriter w;
  w.Put("leafId", Value::Number(choice.leaf_id));
  w.Put("variationWeights", internal::NumbersToValue(choice.variation_weights));
  w.PutNumber("banditVersion", choice.bandit_version);
  return w.Finish(Value());
}

}  // namespace

namespace internal {

absl::StatusOr<Experiment> ExperimentFromValue(const Value& value, std::string_view path,
                                               bool require_variations) {
  FieldReader r(value, std::string(path));
  Experiment e;
  std::optional<std::string> key = r.String("key");
  std::optional<std::vector<Value>> variations = r.Array("variations");
  e.active = r.Bool("active");
  e.force = r.Integer("force");
  ReadSharedExperimentFields(r, e);
  e.contextual_bandit = ReadContextualBandit(r);
  e.status = r.String("status");
  e.url = ReadUrlPattern(r);
  e.groups = r.Strings("groups");
  e.extra = r.Extra();
  e.member_order = r.MemberOrder();
  if (r.status().ok() && !key) Missing(r, "key");
  if (r.status().ok() && !variations && require_variations) Missing(r, "variations");
  if (!r.status().ok()) return r.status();
  e.key = *std::move(key);
  if (variations) e.variations = *std::move(variations);
  return e;
}

absl::StatusOr<ExperimentResult> ExperimentResultFromValue(const Value& value,
                                                           std::string_view path) {
  FieldReader r(value, std::string(path));
  ExperimentResult out;
  out.key = r.String("key").value_or("");
  if (const Value* f = r.Any("featureId"); f != nullptr && !f->is_null()) {
    if (f->is_string()) {
      out.feature_id = std::string(f->as_string());
    } else {
      r.Fail(TypeError(r.FieldPath("featureId"), "a string or null", *f));
    }
  }
  out.in_experiment = r.Bool("inExperiment").value_or(false);
  out.hash_used = r.Bool("hashUsed").value_or(false);
  out.variation_id = r.Integer("variationId").value_or(0);
  if (const Value* v = r.Any("value")) out.value = *v;
  out.hash_attribute = r.String("hashAttribute").value_or("");
  if (const Value* v = r.Any("hashValue")) out.hash_value = *v;
  out.sticky_bucket_used = r.Bool("stickyBucketUsed").value_or(false);
  out.name = r.String("name");
  out.bucket = r.Number("bucket");
  out.passthrough = r.Bool("passthrough").value_or(false);
  if (!r.status().ok()) return r.status();
  return out;
}

}  // namespace internal

absl::StatusOr<Experiment> ExperimentFromValue(const Value& value, std::string_view path) {
  return internal::ExperimentFromValue(value, path, /*require_variations=*/true);
}

Value ExperimentToValue(const Experiment& e) {
  internal::FieldWriter w;
  w.Put("key", Value::String(e.key));
  w.Put("variations", Value::Array(e.variations));
  w.PutBool("active", e.active);
  w.PutInteger("force", e.force);
  internal::WriteSharedExperimentFields(e, w);
  if (e.contextual_bandit) w.Put("contextualBandit", ContextualBanditToValue(*e.contextual_bandit));
  w.PutString("status", e.status);
  w.PutString("url", e.url);
  if (e.groups) {
    std::vector<Value> groups;
    groups.reserve(e.groups->size());
    for (const std::string& g : *e.groups) groups.push_back(Value::String(g));
    w.Put("groups", Value::Array(std::move(groups)));
  }
  return w.Finish(e.extra, e.member_order);
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
