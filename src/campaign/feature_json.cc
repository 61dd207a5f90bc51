// GrowthBook JSON for feature definitions and rules (marquee/campaign/features.h).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/json_fields_internal.h"
#include "marquee/campaign/features.h"

namespace marquee::campaign {
namespace {

absl::StatusOr<FeatureRule> RuleFromValue(const Value& value, std::string path) {
  internal::FieldReader r(value, std::move(path));
  FeatureRule rule;
  rule.id = r.String("id");
  rule.condition = r.Condition("condition");
  rule.parent_conditions = r.ParentConditions("parentConditions");
  rule.filters = r.Filters("filters");
  if (const Value* force = r.Any("force")) rule.force = *force;
  rule.coverage = r.Number("coverage");
  rule.range = r.Range("range");
  rule.variations = r.Array("variations");
  rule.weights = r.Numbers("weights");
  rule.key = r.String("key");
  rule.ranges = r.Ranges("ranges");
  rule.ns = r.NamespaceField("namespace");
  rule.meta = r.Meta("meta");
  rule.name = r.String("name");
  rule.phase = r.String("phase");
  rule.seed = r.String("seed");
  rule.hash_attribute = r.String("hashAttribute");
  rule.fallback_attribute = r.String("fallbackAttribute");
  rule.hash_version = r.Integer("hashVersion");
  rule.disable_sticky_bucketing = r.Bool("disableStickyBucketing");
  rule.bucket_version = r.Integer("bucketVersion");
  rule.min_bucket_version = r.Integer("minBucketVersion");
  if (const Value* tracks = r.Any("tracks")) {
    if (!tracks->is_array()) r.Fail(internal::TypeError(r.FieldPath("tracks"), "an array", *tracks));
    rule.tracks = *tracks;
  }
  rule.contextual_variations = r.Array("contextualVariations");
  rule.contextual_bandit_ref = r.String("contextualBanditRef");
  rule.extra = r.Extra();
  if (!r.status().ok()) return r.status();
  return rule;
}

Value RuleToValue(const FeatureRule& rule) {
  internal::FieldWriter w;
  w.PutString("id", rule.id);
  w.PutCondition("condition", rule.condition);
  w.PutParentConditions("parentConditions", rule.parent_conditions);
  w.PutFilters("filters", rule.filters);
  if (rule.force) w.Put("force", *rule.force);
  w.PutNumber("coverage", rule.coverage);
  w.PutRange("range", rule.range);
  w.PutValues("variations", rule.variations);
  w.PutNumbers("weights", rule.weights);
  w.PutString("key", rule.key);
  w.PutRanges("ranges", rule.ranges);
  w.PutNamespace("namespace", rule.ns);
  w.PutMeta("meta", rule.meta);
  w.PutString("name", rule.name);
  w.PutString("phase", rule.phase);
  w.PutString("seed", rule.seed);
  w.PutString("hashAttribute", rule.hash_attribute);
  w.PutString("fallbackAttribute", rule.fallback_attribute);
  w.PutInteger("hashVersion", rule.hash_version);
  w.PutBool("disableStickyBucketing", rule.disable_sticky_bucketing);
  w.PutInteger("bucketVersion", rule.bucket_version);
  w.PutInteger("minBucketVersion", rule.min_bucket_version);
  if (rule.tracks) w.Put("tracks", *rule.tracks);
  w.PutValues("contextualVariations", rule.contextual_variations);
  w.PutString("contextualBanditRef", rule.contextual_bandit_ref);
  return w.Finish(rule.extra);
}

}  // namespace

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
  return w.Finish(def.extra);
}

}  // namespace marquee::campaign
