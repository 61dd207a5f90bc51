// EvalFeature and Run (marquee/campaign/evaluator.h). The steps and their
// order follow GrowthBook's JavaScript SDK (core.ts: evalFeature,
// runExperiment); step numbers in comments are the spec's.
#include "marquee/campaign/evaluator.h"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "campaign/attributes_internal.h"
#include "campaign/feature_set_internal.h"
#include "campaign/js_semantics_internal.h"
#include "campaign/sticky_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/hashing.h"

namespace marquee::campaign {
namespace {

using internal::HashAttribute;

// The state of one top-level EvalFeature or Run call.
struct EvalState {
  // The features being evaluated, outermost first: a feature met again
  // while its own prerequisites are evaluated is a cycle. A fixed array:
  // no allocation per evaluation.
  std::array<std::string_view, kMaxPrerequisiteDepth> path;
  size_t depth = 0;
  // Feature evaluations left: prerequisites shared in a diamond pattern
  // would otherwise be evaluated exponentially often.
  int budget = kMaxPrerequisiteEvaluations;

  size_t size() const { return depth; }
  void resize(size_t n) { depth = n; }
  bool Contains(std::string_view key) const {
    return std::find(path.begin(), path.begin() + depth, key) != path.begin() + depth;
  }
};

const SavedGroups& Groups(const Context& context) {
  static const SavedGroups* const kNone = new SavedGroups();
  return context.saved_groups ? *context.saved_groups : *kNone;
}

bool StickyOn(const Context& context, const Experiment& e) {
  return context.sticky_bucket_service != nullptr && !e.disable_sticky_bucketing.value_or(false);
}

std::optional<std::string_view> FallbackFor(const Context& context, const Experiment& e) {
  if (!StickyOn(context, e) || !e.fallback_attribute) return std::nullopt;
  return std::string_view(*e.fallback_attribute);
}

HashAttribute ExperimentHashAttribute(const Context& context, const Experiment& e) {
  return internal::GetHashAttribute(
      context.attributes, e.hash_attribute ? std::string_view(*e.hash_attribute) : "",
      FallbackFor(context, e));
}

// getExperimentResult.
ExperimentResult MakeResult(const Context& context, const Experiment& e, int variation,
                            bool hash_used, const std::optional<std::string_view>& feature_id,
                            std::optional<double> bucket = std::nullopt,
                            bool sticky_bucket_used = false) {
  ExperimentResult r;
  r.in_experiment = true;
  if (variation < 0 || static_cast<size_t>(variation) >= e.variations.size()) {
    variation = 0;
    r.in_experiment = false;
  }
  const HashAttribute ha = ExperimentHashAttribute(context, e);
  const VariationMeta* meta = nullptr;
  if (e.meta && static_cast<size_t>(variation) < e.meta->size()) meta = &(*e.meta)[variation];
  r.key = meta != nullptr && meta->key && !meta->key->empty() ? *meta->key
                                                              : std::to_string(variation);
  if (feature_id) r.feature_id = std::string(*feature_id);
  r.hash_used = hash_used;
  r.variation_id = variation;
  if (!e.variations.empty()) r.value = e.variations[variation];
  r.hash_attribute = std::string(ha.attribute);
  r.hash_value = ha.value != nullptr ? *ha.value : internal::EmptyString();
  r.sticky_bucket_used = sticky_bucket_used;
  if (meta != nullptr && meta->name && !meta->name->empty()) r.name = meta->name;
  r.bucket = bucket;
  if (meta != nullptr && meta->passthrough.value_or(false)) r.passthrough = true;
  return r;
}

bool IsFilteredOut(const Context& context, const std::vector<BucketFilter>& filters) {
  std::string scratch;
  for (const BucketFilter& f : filters) {
    const HashAttribute ha = internal::GetHashAttribute(
        context.attributes, f.attribute ? std::string_view(*f.attribute) : "", std::nullopt);
    if (ha.value == nullptr || !IsTruthy(*ha.value)) return true;
    const int version = f.hash_version.value_or(0) != 0 ? *f.hash_version : 2;
    const std::optional<double> n = Hash(f.seed, internal::HashText(*ha.value, scratch), version);
    if (!n) return true;
    if (std::none_of(f.ranges.begin(), f.ranges.end(),
                     [&](const BucketRange& r) { return InRange(*n, r); })) {
      return true;
    }
  }
  return false;
}

bool IsIncludedInRollout(const Context& context, std::string_view seed, const FeatureRule& rule,
                         std::optional<std::string_view> fallback) {
  if (!rule.range && !rule.coverage) return true;
  if (!rule.range && *rule.coverage == 0) return false;
  const HashAttribute ha = internal::GetHashAttribute(
      context.attributes, rule.hash_attribute ? std::string_view(*rule.hash_attribute) : "",
      fallback);
  if (ha.value == nullptr || !IsTruthy(*ha.value)) return false;
  std::string scratch;
  const int version = rule.hash_version.value_or(0) != 0 ? *rule.hash_version : 1;
  const std::optional<double> n = Hash(seed, internal::HashText(*ha.value, scratch), version);
  if (!n) return false;
  if (rule.range) return InRange(*n, *rule.range);
  return *n <= *rule.coverage;
}

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

// Evaluates a prerequisite's feature and its condition. nullopt: the
// prerequisites form a cycle.
std::optional<bool> ParentPasses(Context& context, const ParentCondition& parent,
                                 EvalState& stack) {
  const size_t depth = stack.size();
  const FeatureResult result = EvalFeatureImpl(context, parent.id, stack);
  stack.resize(depth);
  if (result.source == FeatureSource::kCyclicPrerequisite) return std::nullopt;
  const Value subject = Value::Object({{"value", result.value}});
  return parent.condition.Evaluate(subject, Groups(context));
}

void SaveStickyAssignment(Context& context, const Experiment& e, const ExperimentResult& r) {
  std::string value_text;
  const std::string doc_key =
      StickyBucketKey(r.hash_attribute, internal::StickyText(r.hash_value, value_text));
  const std::string exp_key = internal::StickyExperimentKey(e.key, e.bucket_version.value_or(0));
  auto it = context.sticky_bucket_assignment_docs.find(doc_key);
  if (it != context.sticky_bucket_assignment_docs.end()) {
    auto a = it->second.assignments.find(exp_key);
    if (a != it->second.assignments.end() && a->second == r.key) return;  // unchanged
  } else {
    StickyAssignmentsDoc doc;
    doc.attribute_name = r.hash_attribute;
    doc.attribute_value = internal::StickyText(r.hash_value, value_text);
    it = context.sticky_bucket_assignment_docs.emplace(doc_key, std::move(doc)).first;
  }
  it->second.assignments[exp_key] = r.key;
  absl::Status saved = context.sticky_bucket_service->SaveAssignments(it->second);
  if (!saved.ok()) context.sticky_bucket_save_status = std::move(saved);
}

ExperimentResult RunExperiment(Context& context, const Experiment& e,
                               std::optional<std::string_view> feature_id,
                               const std::vector<BucketRange>* ranges, EvalState& stack) {
  const int num_variations = static_cast<int>(e.variations.size());
  // 1, 2: too few variations; disabled context.
  if (num_variations < 2 || !context.enabled) return MakeResult(context, e, -1, false, feature_id);
  // 3: forced from the URL's query string.
  if (!context.url.empty()) {
    if (std::optional<int> q = GetQueryStringOverride(e.key, context.url, num_variations)) {
      return MakeResult(context, e, *q, false, feature_id);
    }
  }
  // 4: forced in the context.
  if (auto it = context.forced_variations.find(e.key); it != context.forced_variations.end()) {
    return MakeResult(context, e, it->second, false, feature_id);
  }
  // 5: inactive.
  if (e.active.has_value() && !*e.active) return MakeResult(context, e, -1, false, feature_id);
  // 6: the hash attribute.
  const HashAttribute ha = ExperimentHashAttribute(context, e);
  if (ha.value == nullptr || !IsTruthy(*ha.value)) {
    return MakeResult(context, e, -1, false, feature_id);
  }
  std::string scratch;
  const std::string_view hash_text = internal::HashText(*ha.value, scratch);

  int assigned = -1;
  bool found_sticky = false;
  bool sticky_blocked = false;
  const bool sticky = StickyOn(context, e);
  if (sticky) {
    const internal::StickyVariation sv = internal::GetStickyBucketVariation(context, e);
    found_sticky = sv.variation >= 0;
    assigned = sv.variation;
    sticky_blocked = sv.version_blocked;
  }
  if (!found_sticky) {
    // 7: filters, else namespace.
    if (e.filters) {
      if (IsFilteredOut(context, *e.filters)) return MakeResult(context, e, -1, false, feature_id);
    } else if (e.ns && !InNamespace(hash_text, *e.ns)) {
      return MakeResult(context, e, -1, false, feature_id);
    }
    // 8: condition.
    if (e.condition && !e.condition->Evaluate(context.attributes, Groups(context))) {
      return MakeResult(context, e, -1, false, feature_id);
    }
    // 8.05: prerequisites.
    if (e.parent_conditions) {
      for (const ParentCondition& parent : *e.parent_conditions) {
        const std::optional<bool> passes = ParentPasses(context, parent, stack);
        if (!passes || !*passes) return MakeResult(context, e, -1, false, feature_id);
      }
    }
  }
  // 9: the hash, and the variation it falls in.
  const int hash_version = e.hash_version.value_or(0) != 0 ? *e.hash_version : 1;
  const std::optional<double> n = Hash(e.seed && !e.seed->empty() ? std::string_view(*e.seed)
                                                                  : std::string_view(e.key),
                                       hash_text, hash_version);
  if (!n) return MakeResult(context, e, -1, false, feature_id);
  if (!found_sticky) {
    std::vector<BucketRange> own;
    if (ranges == nullptr) {
      own = RangesForExperiment(e);
      ranges = &own;
    }
    assigned = ChooseVariation(*n, *ranges);
  }
  // 9.5: a sticky bucket of a blocked version keeps the user out.
  if (sticky_blocked) return MakeResult(context, e, -1, false, feature_id, std::nullopt, true);
  // 10: not in any range (coverage).
  if (assigned < 0) return MakeResult(context, e, -1, false, feature_id);
  // 11: the experiment forces a variation.
  if (e.force) return MakeResult(context, e, *e.force, false, feature_id);
  // 12: QA mode.
  if (context.qa_mode) return MakeResult(context, e, -1, false, feature_id);
  // 13: assigned by hash.
  ExperimentResult result = MakeResult(context, e, assigned, true, feature_id, n, found_sticky);
  if (e.contextual_bandit && result.in_experiment) result.contextual_bandit = e.contextual_bandit;
  if (sticky) SaveStickyAssignment(context, e, result);
  if (context.on_experiment_viewed) context.on_experiment_viewed(e, result);
  return result;
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
    if (leaf.condition.Evaluate(context.attributes, Groups(context))) {
      out->weights = leaf.weights;
      out->contextual_bandit = ContextualBanditChoice{
          .leaf_id = leaf.leaf_id, .variation_weights = leaf.weights,
          .bandit_version = def.bandit_version};
      return out;
    }
  }
  out->contextual_bandit = ContextualBanditChoice{
      .leaf_id = -1,
      .variation_weights =
          out->weights.value_or(GetEqualWeights(static_cast<int>(out->variations.size()))),
      .bandit_version = def.bandit_version};
  return out;
}

FeatureResult EvalFeatureImpl(Context& context, std::string_view key, EvalState& stack) {
  if (stack.size() >= static_cast<size_t>(kMaxPrerequisiteDepth) || stack.Contains(key) ||
      stack.budget <= 0) {
    return MakeFeatureResult(Value(), FeatureSource::kCyclicPrerequisite);
  }
  --stack.budget;
  const CompiledFeature* feature = nullptr;
  if (context.features) {
    const auto& features = context.features->compiled().features;
    if (auto it = features.find(marquee::internal::Sv(key)); it != features.end()) {
      feature = &it->second;
    }
  }
  if (feature == nullptr) return MakeFeatureResult(Value(), FeatureSource::kUnknownFeature);
  stack.path[stack.depth++] = key;
  const size_t depth = stack.size();

  for (const CompiledRule& compiled : feature->rules) {
    const FeatureRule& rule = *compiled.rule;
    bool skip = false;
    if (rule.parent_conditions) {
      for (const ParentCondition& parent : *rule.parent_conditions) {
        const std::optional<bool> passes = ParentPasses(context, parent, stack);
        stack.resize(depth);
        if (!passes) return MakeFeatureResult(Value(), FeatureSource::kCyclicPrerequisite);
        if (!*passes) {
          if (parent.gate.value_or(false)) {
            return MakeFeatureResult(Value(), FeatureSource::kPrerequisite);
          }
          skip = true;
          break;
        }
      }
    }
    if (skip) continue;
    if (rule.filters && IsFilteredOut(context, *rule.filters)) continue;

    if (rule.force) {
      if (rule.condition && !rule.condition->Evaluate(context.attributes, Groups(context))) {
        continue;
      }
      const bool sticky = context.sticky_bucket_service != nullptr &&
                          !rule.disable_sticky_bucketing.value_or(false);
      std::optional<std::string_view> fallback;
      if (sticky && rule.fallback_attribute) fallback = *rule.fallback_attribute;
      const std::string_view seed = rule.seed && !rule.seed->empty() ? *rule.seed : key;
      if (!IsIncludedInRollout(context, seed, rule, fallback)) continue;
      return MakeFeatureResult(*rule.force, FeatureSource::kForce, rule.id.value_or(""));
    }
    if (!compiled.experiment) continue;

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
    stack.resize(depth);
    // The bandit's choice is only reported when it made the assignment.
    if (experiment->contextual_bandit && !(result.hash_used && result.in_experiment)) {
      auto plain = std::make_shared<Experiment>(*experiment);
      plain->contextual_bandit.reset();
      experiment = std::move(plain);
    }
    if (result.in_experiment && !result.passthrough) {
      FeatureResult out =
          MakeFeatureResult(result.value, FeatureSource::kExperiment, rule.id.value_or(""));
      out.experiment = std::move(experiment);
      out.experiment_result = std::move(result);
      return out;
    }
  }
  const FeatureDefinition& def = *feature->definition;
  return MakeFeatureResult(def.default_value.value_or(Value()), FeatureSource::kDefaultValue);
}

}  // namespace

bool IsTruthy(const Value& value) { return internal::JsTruthy(value); }

FeatureResult EvalFeature(Context& context, std::string_view key) {
  EvalState stack;
  return EvalFeatureImpl(context, key, stack);
}

ExperimentResult Run(Context& context, const Experiment& experiment) {
  EvalState stack;
  return RunExperiment(context, experiment, std::nullopt, nullptr, stack);
}

absl::Status LoadStickyBuckets(Context& context) {
  if (context.sticky_bucket_service == nullptr || !context.features) return absl::OkStatus();
  std::map<std::string, std::string, std::less<>> identifiers;
  std::string scratch;
  for (const std::string& attribute : context.features->compiled().sticky_attributes) {
    const HashAttribute ha =
        internal::GetHashAttribute(context.attributes, attribute, std::nullopt);
    identifiers[attribute] = std::string(
        internal::StickyText(ha.value != nullptr ? *ha.value : internal::EmptyString(), scratch));
  }
  absl::StatusOr<StickyAssignmentDocs> docs =
      context.sticky_bucket_service->GetAllAssignments(identifiers);
  if (!docs.ok()) return docs.status();
  for (auto& [key, doc] : *docs) context.sticky_bucket_assignment_docs[key] = std::move(doc);
  return absl::OkStatus();
}

}  // namespace marquee::campaign
