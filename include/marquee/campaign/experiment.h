// marquee/campaign/experiment.h — GrowthBook experiments and their results.
//
// An Experiment splits users between variations by a deterministic hash of
// one of their attributes (marquee/campaign/hashing.h), with GrowthBook's
// semantics: weights, coverage, explicit ranges, namespaces, hash filters,
// a targeting condition, prerequisite features, forced variations and
// sticky bucketing. Run it with marquee::campaign::Run (evaluator.h); feature
// rules with variations become Experiments too (features.h).
// ExperimentFromValue / ExperimentToValue read and write GrowthBook's JSON
// shape (the `experiment` object of the SDK spec): fields are camelCase as
// in GrowthBook, optional fields stay absent when absent, and members this
// library does not know are kept and written back in their place, so
// parse-then-write gives the same JSON text.
// Not applied: `urlPatterns` (the JavaScript SDK's step 2.6). Its "simple"
// patterns compare the host, path, hash and each query parameter of the
// URL as the WHATWG URL parser splits them, which this library does not
// have; half-applying it (regex patterns only) would include users the SDK
// excludes. The member is kept in `extra` and written back unchanged;
// target by URL with `url` (a regular expression) instead.
// Thread-safety: values.
//
//   auto exp = ExperimentFromValue(*Value::Parse(
//       R"({"key": "checkout-button", "variations": ["blue", "green"], "weights": [0.5, 0.5]})"));
//   ExperimentResult r = Run(context, *exp);
//   if (r.in_experiment) Show(r.value);
#ifndef MARQUEE_CAMPAIGN_EXPERIMENT_H_
#define MARQUEE_CAMPAIGN_EXPERIMENT_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/campaign/condition.h"
#include "marquee/campaign/hashing.h"
#include "marquee/campaign/value.h"
#include "marquee/export.h"

namespace marquee::campaign {

// Meta information about one variation.
struct VariationMeta {
  // Stable key of the variation; the result's key is its index ("0", "1")
  // when absent. Sticky bucketing stores these keys.
  std::optional<std::string> key{};
  // Human-readable name. Default: absent.
  std::optional<std::string> name{};
  // A passthrough variation (holdout groups): a feature rule that assigns it
  // is skipped, as if the user were not in the experiment.
  std::optional<bool> passthrough{};
  // Members not listed above, kept for writing back. Default: null (none).
  Value extra{};
  // Member order of the object read (see Experiment::member_order).
  std::vector<std::string> member_order{};
};

// Keeps only users whose hash of one attribute falls in one of `ranges`:
// how GrowthBook makes experiments mutually exclusive.
struct BucketFilter {
  std::string seed{};
  std::vector<BucketRange> ranges{};
  // Hash version. Default (absent): 2.
  std::optional<int> hash_version{};
  // The attribute hashed. Default (absent): "id".
  std::optional<std::string> attribute{};
  Value extra{};
  // Member order of the object read (see Experiment::member_order).
  std::vector<std::string> member_order{};
};

// A prerequisite: the feature `id` is evaluated for the same user and
// `condition` is checked against {"value": <its value>}.
struct ParentCondition {
  std::string id{};
  CompiledCondition condition{};
  // A failing gate blocks the whole feature (source "prerequisite"); a
  // failing non-gate only skips its rule (or keeps the user out of an
  // experiment). Default (absent): false.
  std::optional<bool> gate{};
  Value extra{};
  // Member order of the object read (see Experiment::member_order).
  std::vector<std::string> member_order{};
};

// Which leaf of a contextual bandit chose an experiment's weights for this
// user. leaf_id -1: no leaf matched, the rule's own weights apply.
struct ContextualBanditChoice {
  int leaf_id = -1;
  std::vector<double> variation_weights{};
  std::optional<double> bandit_version{};
};

struct Experiment {
  // Globally unique key; also the hash seed when `seed` is absent. Required.
  std::string key{};
  // The values to choose between; fewer than 2 means nobody is included.
  // Required.
  std::vector<Value> variations{};
  // Share of each variation. Default (absent): equal weights.
  std::optional<std::vector<double>> weights{};
  // false: everybody gets variation 0, not in the experiment. Default: true.
  std::optional<bool> active{};
  // Share of users included, in [0, 1]. Default (absent): 1.
  std::optional<double> coverage{};
  // One bucket range per variation; overrides weights and coverage.
  std::optional<std::vector<BucketRange>> ranges{};
  // Targeting condition. Default (absent): everybody.
  std::optional<CompiledCondition> condition{};
  // Prerequisite features. Default (absent): none.
  std::optional<std::vector<ParentCondition>> parent_conditions{};
  // Namespace slice; ignored when `filters` is present.
  std::optional<Namespace> ns{};
  // Hash filters, all of which must pass.
  std::optional<std::vector<BucketFilter>> filters{};
  // Every included user gets this variation index (hash_used false).
  std::optional<int> force{};
  // Attribute whose value is hashed. Default (absent): "id".
  std::optional<std::string> hash_attribute{};
  // Attribute used when hash_attribute is missing, with sticky bucketing
  // only. Default: absent.
  std::optional<std::string> fallback_attribute{};
  // 1 or 2; any other version keeps everybody out. Default (absent): 1.
  std::optional<int> hash_version{};
  // Per-variation meta; index i describes variation i.
  std::optional<std::vector<VariationMeta>> meta{};
  // Hash seed. Default (absent): key.
  std::optional<std::string> seed{};
  std::optional<std::string> name{};
  std::optional<std::string> phase{};
  // Sticky bucketing: off for this experiment when true; assignments are
  // stored per bucket_version, and users holding an assignment of a version
  // below min_bucket_version are kept out. Defaults: false, 0, 0.
  std::optional<bool> disable_sticky_bucketing{};
  std::optional<int> bucket_version{};
  std::optional<int> min_bucket_version{};
  // Set on the experiment a contextual-bandit rule produced for one user.
  std::optional<ContextualBanditChoice> contextual_bandit{};
  // "draft": nobody is included unless a variation is forced (query string
  // or Context::forced_variations). "stopped": included users get `force`
  // (if set), everybody else is not in the experiment. Any other value
  // ("running"): no effect. Default: absent.
  std::optional<std::string> status{};
  // A regular expression (RE2 syntax, as JavaScript's RegExp for the
  // patterns GrowthBook writes) that Context::url, or its path alone, must
  // match; an empty Context::url never does. Applied also to users holding
  // a sticky bucket. Default: absent (any URL).
  std::optional<std::string> url{};
  // Only users of a context in which one of these groups is enabled
  // (Context::groups) are included. Default: absent (no group needed).
  std::optional<std::vector<std::string>> groups{};
  // Called once per Run (after filters and namespace, before the condition,
  // unless a sticky bucket decided): false keeps the user out. Not JSON.
  // Default: none.
  std::function<bool()> include{};
  // Members not listed above, kept for writing back. Default: null (none).
  Value extra{};
  // Member order of the object read, so that writing it back gives the same
  // text; empty (built by hand): the order of the fields above.
  std::vector<std::string> member_order{};
};

struct ExperimentResult {
  // Assigned variation value and index; variation 0 when not included.
  Value value{};
  int variation_id = 0;
  bool in_experiment = false;
  // Whether the hash chose the variation (false when forced or excluded).
  bool hash_used = false;
  // The attribute used for hashing and its value (as in the attributes: a
  // number stays a number); "" when missing.
  std::string hash_attribute{};
  Value hash_value{};
  // The feature the experiment came from, if any.
  std::optional<std::string> feature_id{};
  // Variation key: meta key, else the index as a string.
  std::string key{};
  // The user's hash in [0, 1), when it was computed.
  std::optional<double> bucket{};
  std::optional<std::string> name{};
  bool passthrough = false;
  bool sticky_bucket_used = false;
  // Contextual-bandit fields, when a bandit leaf chose the weights.
  std::optional<ContextualBanditChoice> contextual_bandit{};
};

// Reads GrowthBook's experiment JSON object. `path` prefixes error messages.
// Errors: InvalidArgument naming the field (e.g. "experiment.weights[1]:
// expected a number, got string"): not an object, key or variations
// missing, a field of the wrong type, a non-integer where an integer is
// required, a condition or url pattern that does not compile.
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Experiment> ExperimentFromValue(
    const Value& value, std::string_view path = "experiment");

// GrowthBook's JSON for `experiment`: present fields only, plus `extra`.
MARQUEE_EXPORT Value ExperimentToValue(const Experiment& experiment);

// GrowthBook's JSON for a result: key, featureId (null when absent),
// inExperiment, hashUsed, variationId, value, hashAttribute, hashValue,
// stickyBucketUsed, and name, bucket, passthrough, leafId,
// variationWeights, banditVersion when set.
MARQUEE_EXPORT Value ExperimentResultToValue(const ExperimentResult& result);

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_EXPERIMENT_H_
