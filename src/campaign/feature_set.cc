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

using internal::CompiledFeatureSet;

// Tracks were checked when read; hand-built definitions (FromDefinitions)
// with unreadable tracks fire none.
std::vector<RuleTrack> CompileTracks(const FeatureRule& rule) {
  if (!rule.tracks) return {};
  absl::StatusOr<std::vector<RuleTrack>> tracks = internal::TracksFromValue(*rule.tracks, "tracks");
  return tracks.ok() ? *std::move(tracks) : std::vector<RuleTrack>{};
}

// `key_order`: the keys of `definitions` in payload order; empty: map order.
std::shared_ptr<const CompiledFeatureSet> Compile(
    std::map<std::string, FeatureDefinition, std::less<>> definitions,
    std::vector<std::string> key_order = {}) {
  auto compiled = std::make_shared<CompiledFeatureSet>();
  compiled->definitions = std::move(definitions);
  if (key_order.empty()) {
    for (const auto& entry : compiled->definitions) key_order.push_back(entry.first);
  }
  compiled->key_order = std::move(key_order);
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
        if (rule.force) c.tracks = CompileTracks(rule);
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
namespace internal {
const CompiledFeatureSet& CompiledOf(const FeatureSet& set) { return *set.compiled_; }
}  // namespace internal

FeatureSet::FeatureSet(std::shared_ptr<const CompiledFeatureSet> compiled)
    : compiled_(std::move(compiled)) {}
FeatureSet::~FeatureSet() = default;
FeatureSet::FeatureSet(const FeatureSet&) = default;
FeatureSet& FeatureSet::operator=(const FeatureSet&) = default;
FeatureSet::FeatureSet(FeatureSet&&) noexcept = default;
FeatureSet& FeatureSet::operator=(FeatureSet&&) noexcept = default;

absl::StatusOr<FeatureSet::ParseResult> FeatureSet::FromValue(
    const Value& features, const FeatureSetParseOptions& options) {
  if (!features.is_object()) return internal::TypeError("features", "an object", features);
  std::map<std::string, FeatureDefinition, std::less<>> defs;
  std::vector<std::string> key_order;
  key_order.reserve(features.size());
  std::vector<absl::Status> skipped;
  // Every condition of the set draws its regexes from one pool: a pattern
  // repeated across features compiles once, and the set's total is bounded.
  internal::RegexPool regexes(kMaxFeatureSetRegexes, kMaxFeatureSetRegexBytes, "feature set");
  internal::ScopedRegexPool scope(&regexes);
  for (const Value::Member& m : features.members()) {
    absl::StatusOr<FeatureDefinition> def =
        FeatureDefinitionFromValue(m.second, absl::StrCat("features.", m.first));
    if (!def.ok()) {
      if (!options.skip_invalid_features) return def.status();
      // Bounded by the payload: one status per feature at most.
      skipped.push_back(def.status());
      continue;
    }
    defs.emplace(m.first, *std::move(def));
    key_order.push_back(m.first);
  }
  return ParseResult{.features = FeatureSet(Compile(std::move(defs), std::move(key_order))),
                     .skipped = std::move(skipped)};
}

absl::StatusOr<FeatureSet> FeatureSet::FromValue(const Value& features) {
  absl::StatusOr<ParseResult> result = FromValue(features, FeatureSetParseOptions{});
  if (!result.ok()) return result.status();
  return std::move(result->features);
}

absl::StatusOr<FeatureSet::ParseResult> FeatureSet::Parse(std::string_view json,
                                                          const FeatureSetParseOptions& options) {
  absl::StatusOr<Value> value = Value::Parse(json);
  if (!value.ok()) return value.status();
  return FromValue(*value, options);
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
  members.reserve(compiled_->key_order.size());
  for (const std::string& key : compiled_->key_order) {
    members.emplace_back(key, FeatureDefinitionToValue(compiled_->definitions.find(key)->second));
  }
  return Value::Object(std::move(members));
}

}  // namespace marquee::campaign
