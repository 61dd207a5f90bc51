// FeatureSet: reading, compiling and writing feature definitions.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "campaign/condition_ops_internal.h"
#include "campaign/feature_set_internal.h"
#include "campaign/json_fields_internal.h"
#include "marquee/campaign/features.h"

namespace marquee::campaign {
namespace {

bool NonEmpty(const std::optional<std::string>& s) { return s.has_value() && !s->empty(); }

std::shared_ptr<const FeatureSet::Compiled> Compile(
    std::map<std::string, FeatureDefinition, std::less<>> definitions) {
  auto compiled = std::make_shared<FeatureSet::Compiled>();
  compiled->definitions = std::move(definitions);
  std::vector<std::string>& sticky = compiled->sticky_attributes;
  // Hashed, so a set with many distinct hash attributes compiles in linear
  // time; the vector keeps first-seen order.
  absl::flat_hash_set<std::string> seen;
  const auto add_sticky = [&sticky, &seen](const std::string& attribute) {
    if (seen.insert(attribute).second) sticky.push_back(attribute);
  };
  for (const auto& [key, def] : compiled->definitions) {
    CompiledFeature feature;
    feature.definition = &def;
    if (def.rules) {
      for (const FeatureRule& rule : *def.rules) {
        CompiledRule c;
        c.rule = &rule;
        if (rule.variations || rule.contextual_variations) {
          c.experiment = ExperimentForRule(rule, key);
          c.ranges = RangesForExperiment(*c.experiment);
          add_sticky(NonEmpty(rule.hash_attribute) ? *rule.hash_attribute : "id");
          if (NonEmpty(rule.fallback_attribute)) add_sticky(*rule.fallback_attribute);
        }
        feature.rules.push_back(std::move(c));
      }
    }
    compiled->features.emplace(key, std::move(feature));
  }
  return compiled;
}

}  // namespace

std::shared_ptr<const Experiment> ExperimentForRule(const FeatureRule& rule,
                                                    std::string_view feature_key) {
  // The fields GrowthBook's evalFeature copies, under its conditions (an
  // empty string or a zero hash version counts as absent), so the
  // experiment reported in FeatureResult is the one the JavaScript SDK
  // reports.
  auto e = std::make_shared<Experiment>();
  e->variations = rule.contextual_variations ? *rule.contextual_variations
                                             : rule.variations.value_or(std::vector<Value>{});
  e->key = NonEmpty(rule.key) ? *rule.key : std::string(feature_key);
  e->coverage = rule.coverage;
  e->weights = rule.weights;
  if (NonEmpty(rule.hash_attribute)) e->hash_attribute = rule.hash_attribute;
  if (NonEmpty(rule.fallback_attribute)) e->fallback_attribute = rule.fallback_attribute;
  if (rule.disable_sticky_bucketing.value_or(false)) e->disable_sticky_bucketing = true;
  e->bucket_version = rule.bucket_version;
  e->min_bucket_version = rule.min_bucket_version;
  e->ns = rule.ns;
  e->meta = rule.meta;
  e->ranges = rule.ranges;
  if (NonEmpty(rule.name)) e->name = rule.name;
  if (NonEmpty(rule.phase)) e->phase = rule.phase;
  if (NonEmpty(rule.seed)) e->seed = rule.seed;
  if (rule.hash_version.value_or(0) != 0) e->hash_version = rule.hash_version;
  e->filters = rule.filters;
  e->condition = rule.condition;
  return e;
}

std::vector<BucketRange> RangesForExperiment(const Experiment& experiment) {
  if (experiment.ranges) return *experiment.ranges;
  return GetBucketRanges(static_cast<int>(experiment.variations.size()),
                         experiment.coverage.value_or(1.0),
                         experiment.weights.value_or(std::vector<double>{}));
}

FeatureSet::FeatureSet() : compiled_(Compile({})) {}
FeatureSet::FeatureSet(std::shared_ptr<const Compiled> compiled)
    : compiled_(std::move(compiled)) {}
FeatureSet::~FeatureSet() = default;
FeatureSet::FeatureSet(const FeatureSet&) = default;
FeatureSet& FeatureSet::operator=(const FeatureSet&) = default;
FeatureSet::FeatureSet(FeatureSet&&) noexcept = default;
FeatureSet& FeatureSet::operator=(FeatureSet&&) noexcept = default;

absl::StatusOr<FeatureSet> FeatureSet::FromValue(const Value& features) {
  if (!features.is_object()) return internal::TypeError("features", "an object", features);
  std::map<std::string, FeatureDefinition, std::less<>> defs;
  // Every condition of the set draws its regexes from one pool: a pattern
  // repeated across features compiles once, and the set's total is bounded.
  internal::RegexPool regexes(kMaxFeatureSetRegexes, kMaxFeatureSetRegexBytes, "feature set");
  internal::ScopedRegexPool scope(&regexes);
  for (const Value::Member& m : features.members()) {
    absl::StatusOr<FeatureDefinition> def =
        FeatureDefinitionFromValue(m.second, absl::StrCat("features.", m.first));
    if (!def.ok()) return def.status();
    defs.emplace(m.first, *std::move(def));
  }
  return FeatureSet(Compile(std::move(defs)));
}

absl::StatusOr<FeatureSet> FeatureSet::Parse(std::string_view json) {
  absl::StatusOr<Value> value = Value::Parse(json);
  if (!value.ok()) return value.status();
  return FromValue(*value);
}

FeatureSet FeatureSet::FromDefinitions(std::map<std::string, FeatureDefinition> defs) {
  std::map<std::string, FeatureDefinition, std::less<>> sorted(
      std::make_move_iterator(defs.begin()), std::make_move_iterator(defs.end()));
  return FeatureSet(Compile(std::move(sorted)));
}

const std::map<std::string, FeatureDefinition, std::less<>>& FeatureSet::definitions() const {
  return compiled_->definitions;
}

size_t FeatureSet::size() const { return compiled_->definitions.size(); }

Value FeatureSet::ToValue() const {
  std::vector<Value::Member> members;
  members.reserve(compiled_->definitions.size());
  for (const auto& [key, def] : compiled_->definitions) {
    members.emplace_back(key, FeatureDefinitionToValue(def));
  }
  return Value::Object(std::move(members));
}

}  // namespace marquee::campaign
