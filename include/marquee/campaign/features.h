// marquee/campaign/features.h — GrowthBook feature definitions.
//
// A feature has a default value and ordered rules; the first rule that
// applies to a user gives the value. Rules force a value (optionally for a
// percentage rollout), or run an experiment, and may carry a condition,
// hash filters, prerequisites and a contextual-bandit reference, exactly as
// in GrowthBook's SDK payload (the "features" object of
// /api/features/<client key>). FeatureSet::FromValue (or Parse, from text)
// reads that JSON and compiles it once: conditions are compiled, experiments
// and bucket ranges are built, so evaluating a feature (evaluator.h) never
// reads JSON again. Reading is strict by default (one malformed feature
// rejects the payload); FeatureSetParseOptions::skip_invalid_features keeps
// the good features and reports the others, as lenient as the JavaScript
// SDK. FeatureSet::ToValue writes the same JSON back: fields stay camelCase,
// absent fields stay absent, unknown members are kept, and members keep the
// order they were read in, so a payload read and written gives the same
// text and definitions move between GrowthBook and Marquee unchanged.
// Thread-safety: values; a FeatureSet is immutable and may be shared by any
// number of threads (hold it in a std::shared_ptr<const FeatureSet>).
//
//   absl::StatusOr<FeatureSet> set = FeatureSet::Parse(R"({
//     "dark-mode": {"defaultValue": false,
//                   "rules": [{"condition": {"beta": true}, "force": true}]}})");
//   if (!set.ok()) return set.status();  // InvalidArgument naming the field
//   context.features = std::make_shared<const FeatureSet>(*std::move(set));
#ifndef MARQUEE_CAMPAIGN_FEATURES_H_
#define MARQUEE_CAMPAIGN_FEATURES_H_

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/campaign/condition.h"
#include "marquee/campaign/experiment.h"
#include "marquee/campaign/hashing.h"
#include "marquee/campaign/value.h"
#include "marquee/export.h"

namespace marquee::campaign {

// One rule of a feature. A rule with `force` forces that value to users who
// pass its condition, filters and rollout (range, else coverage); a rule
// with `variations` (or `contextual_variations`) runs an experiment built
// from its fields; a rule with neither only checks its prerequisites.
struct FeatureRule {
  // Rule id, reported as FeatureResult::rule_id.
  std::optional<std::string> id{};
  std::optional<CompiledCondition> condition{};
  std::optional<std::vector<ParentCondition>> parent_conditions{};
  std::optional<std::vector<BucketFilter>> filters{};
  // Value forced by this rule (any JSON value, null included).
  std::optional<Value> force{};
  // Force rules: share of users included. Experiment rules: coverage.
  std::optional<double> coverage{};
  // Force rules: the included slice of the hash, overrides coverage.
  std::optional<BucketRange> range{};
  // Experiment rules: see Experiment for these.
  std::optional<std::vector<Value>> variations{};
  std::optional<std::vector<double>> weights{};
  std::optional<std::string> key{};  // experiment key; default: the feature key
  std::optional<std::vector<BucketRange>> ranges{};
  std::optional<Namespace> ns{};
  std::optional<std::vector<VariationMeta>> meta{};
  std::optional<std::string> name{};
  std::optional<std::string> phase{};
  // Both kinds: hashing. Seed default: the feature key (force rules) or the
  // experiment key.
  std::optional<std::string> seed{};
  std::optional<std::string> hash_attribute{};
  std::optional<std::string> fallback_attribute{};
  std::optional<int> hash_version{};
  std::optional<bool> disable_sticky_bucketing{};
  std::optional<int> bucket_version{};
  std::optional<int> min_bucket_version{};
  // Tracking calls of a remotely evaluated experiment, kept as JSON: an
  // array of {"experiment": {...}, "result": {...}}. When a force rule
  // applies, each is passed to Context::on_experiment_viewed (evaluator.h).
  // "experiment" is read as ExperimentFromValue reads one, except that
  // "variations" may be absent; "result" as ExperimentResultToValue writes
  // one (every member optional).
  std::optional<Value> tracks{};
  // Contextual bandit: the variations, and the id of its definition in
  // Context::contextual_bandits whose matching leaf gives the weights.
  std::optional<std::vector<Value>> contextual_variations{};
  std::optional<std::string> contextual_bandit_ref{};
  // Members not listed above, kept for writing back. Default: null (none).
  Value extra{};
  // Member order of the object read (see Experiment::member_order).
  std::vector<std::string> member_order{};
};

struct FeatureDefinition {
  // Absent: the value is null.
  std::optional<Value> default_value{};
  std::optional<std::vector<FeatureRule>> rules{};
  Value extra{};
  // Member order of the object read (see Experiment::member_order).
  std::vector<std::string> member_order{};
};

// Reads one feature definition. `path` prefixes error messages.
// Errors: InvalidArgument naming the field (wrong type, non-integer where an
// integer is required, a condition that does not compile).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<FeatureDefinition> FeatureDefinitionFromValue(
    const Value& value, std::string_view path = "feature");
MARQUEE_EXPORT Value FeatureDefinitionToValue(const FeatureDefinition& definition);

// Regular expressions of all the conditions of one FeatureSet read by
// FromValue / Parse: at most this many distinct patterns (pattern and case
// flag), of at most kMaxFeatureSetRegexBytes bytes in all; each distinct
// pattern is compiled once for the whole set. Each condition also keeps
// within kMaxConditionRegexes / kMaxConditionRegexBytes (condition.h).
inline constexpr size_t kMaxFeatureSetRegexes = 1024;
inline constexpr size_t kMaxFeatureSetRegexBytes = 1024 * 1024;

// How FeatureSet::FromValue / Parse treat a malformed feature.
struct FeatureSetParseOptions {
  // false: one malformed feature rejects the whole payload. true: it is
  // left out of the set and its error reported in
  // FeatureSetParseResult::skipped (the payload itself must still be an
  // object). Default: false.
  bool skip_invalid_features = false;
};

class FeatureSet;
namespace internal {
struct CompiledFeatureSet;
const CompiledFeatureSet& CompiledOf(const FeatureSet& set);
}  // namespace internal

// A compiled, immutable map of feature key -> definition.
class MARQUEE_EXPORT FeatureSet {
 public:
  // The empty set.
  FeatureSet();
  ~FeatureSet();
  FeatureSet(const FeatureSet&);
  FeatureSet& operator=(const FeatureSet&);
  FeatureSet(FeatureSet&&) noexcept;
  FeatureSet& operator=(FeatureSet&&) noexcept;

  // Reads and compiles GrowthBook's features object {"key": {definition}}.
  // Errors: InvalidArgument naming the feature and field
  // ("features.checkout.rules[0].coverage: expected a number, got string"),
  // also when the set's regular expressions pass kMaxFeatureSetRegexes or
  // kMaxFeatureSetRegexBytes (naming the limit and the condition where it
  // was reached).
  [[nodiscard]] static absl::StatusOr<FeatureSet> FromValue(const Value& features);
  // Value::Parse, then FromValue. Errors: also those of Value::Parse.
  [[nodiscard]] static absl::StatusOr<FeatureSet> Parse(std::string_view json);

  // The set, and the features left out of it.
  struct ParseResult;
  // FromValue with options. With skip_invalid_features, each malformed
  // feature (its errors as FromValue reports them, also a feature whose
  // regular expressions would pass the set's limits) is left out and its
  // error appended to `skipped`, in payload order.
  // Errors: InvalidArgument when `features` is not an object; without
  // skip_invalid_features, those of FromValue.
  [[nodiscard]] static absl::StatusOr<ParseResult> FromValue(
      const Value& features, const FeatureSetParseOptions& options);
  // Value::Parse, then FromValue with options. Errors: also those of
  // Value::Parse.
  [[nodiscard]] static absl::StatusOr<ParseResult> Parse(std::string_view json,
                                                         const FeatureSetParseOptions& options);
  // Compiles definitions already read.
  [[nodiscard]] static FeatureSet FromDefinitions(std::map<std::string, FeatureDefinition> defs);

  // The definitions, by key.
  const std::map<std::string, FeatureDefinition, std::less<>>& definitions() const;
  size_t size() const;
  // GrowthBook's features object for these definitions: features and
  // their members in the order read (FromDefinitions: key order).
  Value ToValue() const;

 private:
  friend const internal::CompiledFeatureSet& internal::CompiledOf(const FeatureSet& set);
  explicit FeatureSet(std::shared_ptr<const internal::CompiledFeatureSet> compiled);
  // Per-rule experiments and ranges, built once.
  std::shared_ptr<const internal::CompiledFeatureSet> compiled_;
};

struct FeatureSet::ParseResult {
  FeatureSet features{};
  // One InvalidArgument per feature left out, naming it and the field.
  std::vector<absl::Status> skipped{};
};

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_FEATURES_H_
