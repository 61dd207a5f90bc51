// What EvalFeature (evaluator.cc) and running an experiment
// (experiment_run.cc) share: the state of one evaluation, which bounds
// prerequisite recursion, and the steps each calls in the other.
#ifndef MARQUEE_SRC_CAMPAIGN_EVAL_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_EVAL_INTERNAL_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/experiment.h"
#include "marquee/campaign/hashing.h"

namespace marquee::campaign::internal {

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

// The context's saved groups, or an empty set.
const SavedGroups& SavedGroupsOf(const Context& context);

// isFilteredOut: whether any hash filter keeps the user out.
bool IsFilteredOut(const Context& context, const std::vector<BucketFilter>& filters);

// Evaluates a prerequisite's feature and its condition, restoring the
// stack. nullopt: the prerequisites form a cycle (or pass the limits).
std::optional<bool> ParentPasses(Context& context, const ParentCondition& parent,
                                 EvalState& stack);

// runExperiment. `ranges`: the experiment's bucket ranges when already
// built (feature rules), nullptr to build them.
ExperimentResult RunExperiment(Context& context, const Experiment& experiment,
                               std::optional<std::string_view> feature_id,
                               const std::vector<BucketRange>* ranges, EvalState& stack);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_EVAL_INTERNAL_H_
