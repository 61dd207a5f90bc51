// marquee/campaign/evaluator.h — evaluating features and running experiments.
//
// EvalFeature and Run follow GrowthBook's SDK spec (evalFeature / run, with
// the JavaScript SDK as the reference): rules in order, prerequisites with
// cycle detection, hash filters, namespaces, coverage and ranges, forced
// variations from the context or from the page URL's query string, QA mode,
// draft and stopped experiments, URL and group targeting, sticky bucketing,
// contextual bandits, and the tracks of remotely evaluated rules. A
// Context carries one user (or request): attributes and what applies to
// them. The compiled FeatureSet is shared; evaluation reads no JSON and
// returns plain values.
// Thread-safety: a Context is used by one thread at a time (evaluation
// writes its sticky-bucket documents); the FeatureSet, saved groups and
// bandits it points to are immutable and shared freely.
//
//   Context context;
//   context.attributes = *Value::Parse(R"({"id": "u42", "country": "US"})");
//   context.features = features;  // std::shared_ptr<const FeatureSet>
//   FeatureResult r = EvalFeature(context, "checkout-flow");
//   if (r.on) ...;
//   ExperimentResult e = Run(context, experiment);
#ifndef MARQUEE_CAMPAIGN_EVALUATOR_H_
#define MARQUEE_CAMPAIGN_EVALUATOR_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/campaign/condition.h"
#include "marquee/campaign/experiment.h"
#include "marquee/campaign/features.h"
#include "marquee/campaign/sticky_bucket.h"
#include "marquee/campaign/value.h"
#include "marquee/export.h"

namespace marquee::campaign {

// One leaf of a contextual bandit: users matching `condition` get `weights`.
struct ContextualBanditLeaf {
  int leaf_id = 0;
  CompiledCondition condition{};
  std::vector<double> weights{};
};

struct ContextualBanditDefinition {
  std::optional<double> bandit_version{};
  // The first leaf whose condition matches gives the weights.
  std::vector<ContextualBanditLeaf> contexts{};
};

// Bandit id -> definition (the "contextualBandits" object of the payload).
using ContextualBandits = std::map<std::string, ContextualBanditDefinition, std::less<>>;

// Errors: InvalidArgument naming the field.
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<ContextualBandits> ContextualBanditsFromValue(
    const Value& value);

// Called when a user is assigned a variation by hash, and for each of the
// tracks of a force rule that applies (FeatureRule::tracks).
using ExperimentViewedCallback =
    std::function<void(const Experiment& experiment, const ExperimentResult& result)>;

struct Context {
  // The user's attributes, an object. Default: null (no attributes).
  Value attributes{};
  // Feature definitions. Default: none (every feature is unknown).
  std::shared_ptr<const FeatureSet> features{};
  // Saved groups for $inGroup / $notInGroup. Default: none.
  std::shared_ptr<const SavedGroups> saved_groups{};
  // Contextual bandit definitions referenced by rules. Default: none.
  std::shared_ptr<const ContextualBandits> contextual_bandits{};
  // Experiment key -> variation index forced for this user (QA).
  std::map<std::string, int, std::less<>> forced_variations{};
  // URL of the current page; "?<experiment key>=<index>" forces a
  // variation. Default: "".
  std::string url{};
  // false: nobody is in any experiment. Default: true.
  bool enabled = true;
  // true: only forced variations assign; hashing assigns nobody.
  // Default: false.
  bool qa_mode = false;
  // Groups this user belongs to (name -> enabled); an experiment with
  // `groups` includes only users with one of them enabled. Default: none.
  std::map<std::string, bool, std::less<>> groups{};
  // Sticky bucketing is on when set; not owned. Default: null (off).
  StickyBucketService* sticky_bucket_service = nullptr;
  // This user's sticky-bucket documents: filled by LoadStickyBuckets and
  // updated (and saved through the service) by evaluation.
  StickyAssignmentDocs sticky_bucket_assignment_docs{};
  // The last error of the service while saving during evaluation (which
  // cannot fail), for the caller to log. Default: OK.
  absl::Status sticky_bucket_save_status{};
  // Fired for every hash assignment, and for the tracks of a force rule
  // that gives a feature its value. Default: none.
  ExperimentViewedCallback on_experiment_viewed{};
};

// Where a feature's value came from.
enum class FeatureSource : uint8_t {
  kUnknownFeature,
  kDefaultValue,
  kForce,
  kExperiment,
  kPrerequisite,        // a gating prerequisite failed: value null
  kCyclicPrerequisite,  // prerequisites form a cycle (or nest too deep): value null
};

// "unknownFeature", "defaultValue", "force", "experiment", "prerequisite",
// "cyclicPrerequisite".
MARQUEE_EXPORT std::string_view FeatureSourceName(FeatureSource source);

struct FeatureResult {
  Value value{};
  // value is truthy (not null, false, 0, NaN or ""), and its negation.
  bool on = false;
  bool off = true;
  FeatureSource source = FeatureSource::kUnknownFeature;
  // id of the rule that gave the value; "" for none.
  std::string rule_id{};
  // Set when source is kExperiment.
  std::shared_ptr<const Experiment> experiment{};
  std::optional<ExperimentResult> experiment_result{};
};

// GrowthBook's JSON for a result: value, on, off, source, ruleId, and
// experiment / experimentResult when set.
MARQUEE_EXPORT Value FeatureResultToValue(const FeatureResult& result);

// Prerequisites nest at most this deep, and one EvalFeature or Run
// evaluates at most this many features (prerequisites shared in a diamond
// pattern would otherwise cost exponential time); beyond either limit the
// feature evaluates as kCyclicPrerequisite.
inline constexpr int kMaxPrerequisiteDepth = 64;
inline constexpr int kMaxPrerequisiteEvaluations = 10'000;

// Evaluates feature `key` for the context's user.
MARQUEE_EXPORT FeatureResult EvalFeature(Context& context, std::string_view key);

// Runs `experiment` for the context's user.
MARQUEE_EXPORT ExperimentResult Run(Context& context, const Experiment& experiment);

// Loads the user's sticky-bucket documents from context.sticky_bucket_service
// into context.sticky_bucket_assignment_docs: those of every attribute that
// an experiment rule of context.features hashes on (hashAttribute, default
// "id", and fallbackAttribute). Call it after setting the attributes and
// before evaluating. A no-op without a service.
// Errors: those of StickyBucketService::GetAllAssignments.
[[nodiscard]] MARQUEE_EXPORT absl::Status LoadStickyBuckets(Context& context);

// JavaScript truthiness of a JSON value: false for null, false, 0, NaN and
// "", true otherwise (empty arrays and objects included).
MARQUEE_EXPORT bool IsTruthy(const Value& value);

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_EVALUATOR_H_
