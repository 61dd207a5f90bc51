// EvalFeature and Run (marquee/campaign/evaluator.h). The steps and their
// order follow GrowthBook's JavaScript SDK (core.ts: evalFeature); each
// step is a function named after it. Running an experiment is in
// experiment_run.cc.
#include "marquee/campaign/evaluator.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "campaign/attributes_internal.h"
#include "campaign/eval_internal.h"
#include "campaign/feature_set_internal.h"
#include "campaign/js_semantics_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/hashing.h"

namespace marquee::campaign {
namespace internal {
namespace {

FeatureResult MakeFeatureResult(Value value, FeatureSource source, std::string rule_id = {}) {
  FeatureResult r;
  r.on = IsTruthy(value);
  r.off = !r.on;
  r.value = std::move(value);
  r.source = source;
  r.rule_id = std::move(rule_id);
  return r;
}

FeatureResult EvalFeatureImpl(Context& context, std::string_view key, EvalState& stack);

// What a rule's prerequisites decide.
enum class RulePrerequisites { kPass, kSkipRule, kBlockFeature, kCycle };

// The rule's parentConditions: a failing gate blocks the feature, a failing
// non-gate skips the rule.
RulePrerequisites EvalRulePrerequisites(Context& context, const FeatureRule& rule,
                                        EvalState& stack) {
  if (!rule.parent_conditions) return RulePrerequisites::kPass;
  for (const ParentCondition& parent : *rule.parent_conditions) {
    const std::optional<bool> passes = ParentPasses(context, parent, stack);
    if (!passes) return RulePrerequisites::kCycle;
    if (!*passes) {
      return parent.gate.value_or(false) ? RulePrerequisites::kBlockFeature
                                         : RulePrerequisites::kSkipRule;
    }
  }
  return RulePrerequisites::kPass;
}

// isIncludedInRollout: a force rule's range, else coverage.
bool IsIncludedInRollout(const Context& context, std::string_view seed, const FeatureRule& rule,
                         std::optional<std::string_view> fallback) {
  if (!rule.range && !rule.coverage) return true;
  if (!rule.range && *rule.coverage == 0) return false;
  const HashAttribute ha = GetHashAttribute(
      context.attributes, rule.hash_attribute ? std::string_view(*rule.hash_attribute) : "",
      fallback);
  if (ha.value == nullptr || !IsTruthy(*ha.value)) return false;
  std::string scratch;
  const int version = rule.hash_version.value_or(0) != 0 ? *rule.hash_version : 1;
  const std::optional<double> n = Hash(seed, HashText(*ha.value, scratch), version);
  if (!n) return false;
  if (rule.range) return InRange(*n, *rule.range);
  return *n <= *rule.coverage;
}

// A force rule: whether it applies to the user (condition, then rollout).
bool ForceRuleApplies(const Context& context, std::string_view key, const FeatureRule& rule) {
  if (rule.condition && !rule.condition->Evaluate(context.attributes, SavedGroupsOf(context))) {
    return false;
  }
  const bool sticky =
      context.sticky_bucket_service != nullptr && !rule.disable_sticky_bucketing.value_or(false);
  std::optional<std::string_view> fallback;
  if (sticky && rule.fallback_attribute) fallback = *rule.fallback_attribute;
  const std::string_view seed = rule.seed && !rule.seed->empty() ? *rule.seed : key;
  return IsIncludedInRollout(context, seed, rule, fallback);
}

// A remotely evaluated experiment's tracking calls, fired when its force
// rule applies.
void FireRuleTracks(Context& context, const CompiledRule& rule) {
  if (!context.on_experiment_viewed) return;
  for (const RuleTrack& track : rule.tracks) {
    context.on_experiment_viewed(*track.experiment, track.result);
  }
}

// A contextual-bandit rule: the first leaf of its bandit that matches the
// user gives the weights; with no leaf matching, the rule's weights stay
// and leaf -1 is reported. An unknown bandit leaves the experiment as is.
std::shared_ptr<const Experiment> ApplyContextualBandit(const Context& context,
                                                        const std::shared_ptr<const Experiment>& e,
                                                        std::string_view ref) {
  if (!context.contextual_bandits) return e;
  const auto it = context.contextual_bandits->find(ref);
  if (it == context.contextual_bandits->end()) return e;
  const ContextualBanditDefinition& def = it->second;
  auto out = std::make_shared<Experiment>(*e);
  for (const ContextualBanditLeaf& leaf : def.contexts) {
    if (leaf.condition.Evaluate(context.attributes, SavedGroupsOf(context))) {
      out->weights = leaf.weights;
      out->contextual_bandit = ContextualBanditChoice{
          .leaf_id = leaf.leaf_id, .variation_weights = leaf.weights,
          .bandit_version = def.bandit_version};
      return out;
    }
  }
  // variations.size() is bounded by the payload; GetEqualWeights bounds it
  // again (kMaxVariations).
  const int count = static_cast<int>(std::min<size_t>(out->variations.size(), kMaxVariations + 1));
  out->contextual_bandit = ContextualBanditChoice{
      .leaf_id = -1,
      .variation_weights = out->weights.value_or(GetEqualWeights(count)),
      .bandit_version = def.bandit_version};
  return out;
}

// An experiment rule: runs its experiment; a value when the user is in it
// (and not in a passthrough variation).
std::optional<FeatureResult> RunExperimentRule(Context& context, std::string_view key,
                                               const CompiledRule& compiled, EvalState& stack) {
  const FeatureRule& rule = *compiled.rule;
  std::shared_ptr<const Experiment> experiment = compiled.experiment;
  const std::vector<BucketRange>* ranges = &compiled.ranges;
  std::vector<BucketRange> bandit_ranges;
  if (rule.contextual_bandit_ref) {
    experiment = ApplyContextualBandit(context, experiment, *rule.contextual_bandit_ref);
    if (experiment != compiled.experiment) {
      bandit_ranges = RangesForExperiment(*experiment);
      ranges = &bandit_ranges;
    }
  }
  ExperimentResult result = RunExperiment(context, *experiment, key, ranges, stack);
  // The bandit's choice is only reported when it made the assignment.
  if (experiment->contextual_bandit && !(result.hash_used && result.in_experiment)) {
    auto plain = std::make_shared<Experiment>(*experiment);
    plain->contextual_bandit.reset();
    experiment = std::move(plain);
  }
  if (!result.in_experiment || result.passthrough) return std::nullopt;
  FeatureResult out =
      MakeFeatureResult(result.value, FeatureSource::kExperiment, rule.id.value_or(""));
  out.experiment = std::move(experiment);
  out.experiment_result = std::move(result);
  return out;
}

const CompiledFeature* FindFeature(const Context& context, std::string_view key) {
  if (!context.features) return nullptr;
  const auto& features = CompiledOf(*context.features).features;
  const auto it = features.find(marquee::internal::Sv(key));
  return it == features.end() ? nullptr : &it->second;
}

FeatureResult EvalFeatureImpl(Context& context, std::string_view key, EvalState& stack) {
  if (stack.size() >= static_cast<size_t>(kMaxPrerequisiteDepth) || stack.Contains(key) ||
      stack.budget <= 0) {
    return MakeFeatureResult(Value(), FeatureSource::kCyclicPrerequisite);
  }
  --stack.budget;
  const CompiledFeature* feature = FindFeature(context, key);
  if (feature == nullptr) return MakeFeatureResult(Value(), FeatureSource::kUnknownFeature);
  stack.path[stack.depth++] = key;
  const size_t depth = stack.size();

  for (const CompiledRule& compiled : feature->rules) {
    const FeatureRule& rule = *compiled.rule;
    const RulePrerequisites prerequisites = EvalRulePrerequisites(context, rule, stack);
    stack.resize(depth);
    if (prerequisites == RulePrerequisites::kCycle) {
      return MakeFeatureResult(Value(), FeatureSource::kCyclicPrerequisite);
    }
    if (prerequisites == RulePrerequisites::kBlockFeature) {
      return MakeFeatureResult(Value(), FeatureSource::kPrerequisite);
    }
    if (prerequisites == RulePrerequisites::kSkipRule) continue;
    if (rule.filters && IsFilteredOut(context, *rule.filters)) continue;
    if (rule.force) {
      if (!ForceRuleApplies(context, key, rule)) continue;
      FireRuleTracks(context, compiled);
      return MakeFeatureResult(*rule.force, FeatureSource::kForce, rule.id.value_or(""));
    }
    if (!compiled.experiment) continue;
    std::optional<FeatureResult> result = RunExperimentRule(context, key, compiled, stack);
    stack.resize(depth);
    if (result) return *std::move(result);
  }
  const FeatureDefinition& def = *feature->definition;
  return MakeFeatureResult(def.default_value.value_or(Value()), FeatureSource::kDefaultValue);
}

}  // namespace

const SavedGroups& SavedGroupsOf(const Context& context) {
  static const SavedGroups* const kNone = new SavedGroups();
  return context.saved_groups ? *context.saved_groups : *kNone;
}

std::optional<bool> ParentPasses(Context& context, const ParentCondition& parent,
                                 EvalState& stack) {
  const size_t depth = stack.size();
  const FeatureResult result = EvalFeatureImpl(context, parent.id, stack);
  stack.resize(depth);
  if (result.source == FeatureSource::kCyclicPrerequisite) return std::nullopt;
  const Value subject = Value::Object({{"value", result.value}});
  return parent.condition.Evaluate(subject, SavedGroupsOf(context));
}

}  // namespace internal

bool IsTruthy(const Value& value) { return internal::JsTruthy(value); }

FeatureResult EvalFeature(Context& context, std::string_view key) {
  internal::EvalState stack;
  return internal::EvalFeatureImpl(context, key, stack);
}

ExperimentResult Run(Context& context, const Experiment& experiment) {
  internal::EvalState stack;
  return internal::RunExperiment(context, experiment, std::nullopt, nullptr, stack);
}

absl::Status LoadStickyBuckets(Context& context) {
  if (context.sticky_bucket_service == nullptr || !context.features) return absl::OkStatus();
  std::map<std::string, std::string, std::less<>> identifiers;
  std::string scratch;
  for (const std::string& attribute : internal::CompiledOf(*context.features).sticky_attributes) {
    const internal::HashAttribute ha =
        internal::GetHashAttribute(context.attributes, attribute, std::nullopt);
    identifiers[attribute] = std::string(internal::StickyText(
        ha.value != nullptr ? *ha.value : internal::EmptyString(), scratch));
  }
  absl::StatusOr<StickyAssignmentDocs> docs =
      context.sticky_bucket_service->GetAllAssignments(identifiers);
  if (!docs.ok()) return docs.status();
  for (auto& [key, doc] : *docs) context.sticky_bucket_assignment_docs[key] = std::move(doc);
  return absl::OkStatus();
}

}  // namespace marquee::campaign
