// runExperiment (marquee::campaign::Run and experiment rules). Each step is
// a function named after the JavaScript SDK's step (core.ts
// runExperiment); step numbers in comments are the spec's, and the order of
// the calls in RunExperiment is the SDK's order, which decides what wins
// (a forced variation beats a draft status, QA mode beats hashing, ...).
#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "campaign/attributes_internal.h"
#include "campaign/condition_ops_internal.h"
#include "campaign/eval_internal.h"
#include "campaign/feature_set_internal.h"
#include "campaign/sticky_internal.h"
#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/hashing.h"

namespace marquee::campaign::internal {
namespace {

bool StickyOn(const Context& context, const Experiment& e) {
  return context.sticky_bucket_service != nullptr && !e.disable_sticky_bucketing.value_or(false);
}

HashAttribute ExperimentHashAttribute(const Context& context, const Experiment& e) {
  std::optional<std::string_view> fallback;
  if (StickyOn(context, e) && e.fallback_attribute) fallback = *e.fallback_attribute;
  return GetHashAttribute(context.attributes,
                          e.hash_attribute ? std::string_view(*e.hash_attribute) : "", fallback);
}

// One run of one experiment for the context's user.
struct ExperimentRun {
  Context& context;
  const Experiment& e;
  std::optional<std::string_view> feature_id;
  EvalState& stack;

  // getExperimentResult.
  ExperimentResult Result(int variation, bool hash_used,
                          std::optional<double> bucket = std::nullopt,
                          bool sticky_bucket_used = false) const {
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
    r.hash_value = ha.value != nullptr ? *ha.value : EmptyString();
    r.sticky_bucket_used = sticky_bucket_used;
    if (meta != nullptr && meta->name && !meta->name->empty()) r.name = meta->name;
    r.bucket = bucket;
    if (meta != nullptr && meta->passthrough.value_or(false)) r.passthrough = true;
    return r;
  }
  ExperimentResult NotIn() const { return Result(-1, false); }
};

// 3, 4: a variation forced by the URL's query string, else by the context.
std::optional<int> ForcedVariation(const ExperimentRun& run, int num_variations) {
  const Context& context = run.context;
  if (!context.url.empty()) {
    if (std::optional<int> q = GetQueryStringOverride(run.e.key, context.url, num_variations)) {
      return q;
    }
  }
  if (auto it = context.forced_variations.find(run.e.key); it != context.forced_variations.end()) {
    return it->second;
  }
  return std::nullopt;
}

// 5: a draft or inactive experiment includes nobody.
bool IsDraftOrInactive(const Experiment& e) {
  return (e.status && *e.status == "draft") || (e.active.has_value() && !*e.active);
}

// 8.1: hasGroupOverlap.
bool HasGroupOverlap(const Context& context, const std::vector<std::string>& groups) {
  for (const std::string& g : groups) {
    if (auto it = context.groups.find(g); it != context.groups.end() && it->second) return true;
  }
  return false;
}

// 7 to 8.1, skipped when a sticky bucket decided: filters (else the
// namespace), the include callback, the condition, prerequisites, groups.
bool PassesTargeting(const ExperimentRun& run, std::string_view hash_text) {
  const Experiment& e = run.e;
  Context& context = run.context;
  if (e.filters) {
    if (IsFilteredOut(context, *e.filters)) return false;
  } else if (e.ns && !InNamespace(hash_text, *e.ns)) {
    return false;
  }
  if (e.include && !e.include()) return false;
  if (e.condition && !e.condition->Evaluate(context.attributes, SavedGroupsOf(context))) {
    return false;
  }
  if (e.parent_conditions) {
    for (const ParentCondition& parent : *e.parent_conditions) {
      const std::optional<bool> passes = ParentPasses(context, parent, run.stack);
      if (!passes || !*passes) return false;
    }
  }
  return !e.groups || HasGroupOverlap(context, *e.groups);
}

// 8.2: urlIsValid: the pattern matches the URL or its path (the URL without
// scheme and host).
bool UrlIsValid(const Context& context, const std::string& pattern) {
  if (context.url.empty()) return false;
  const std::shared_ptr<const re2::RE2> regex = CompileRegex(Value::String(pattern), false);
  if (regex == nullptr) return false;  // checked when read; hand-built experiments
  std::string_view rest = context.url;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (rest.substr(0, scheme.size()) == scheme) {
      rest.remove_prefix(scheme.size());
      break;
    }
  }
  const size_t slash = rest.find('/');
  const std::string_view path = slash == std::string_view::npos ? rest : rest.substr(slash);
  return RegexMatches(*regex, Value::String(context.url)) ||
         RegexMatches(*regex, Value::String(std::string(path)));
}

// 9: the variation whose range holds the hash.
int ChooseByHash(const Experiment& e, double n, const std::vector<BucketRange>* ranges) {
  std::vector<BucketRange> own;
  if (ranges == nullptr) {
    own = RangesForExperiment(e);
    ranges = &own;
  }
  return ChooseVariation(n, *ranges);
}

// 13.5: generateStickyBucketAssignmentDoc, saved when it changed.
void PersistStickyBucket(Context& context, const Experiment& e, const ExperimentResult& r) {
  std::string value_text;
  const std::string doc_key = StickyBucketKey(r.hash_attribute, StickyText(r.hash_value, value_text));
  const std::string exp_key = StickyExperimentKey(e.key, e.bucket_version.value_or(0));
  auto it = context.sticky_bucket_assignment_docs.find(doc_key);
  if (it != context.sticky_bucket_assignment_docs.end()) {
    auto a = it->second.assignments.find(exp_key);
    if (a != it->second.assignments.end() && a->second == r.key) return;  // unchanged
  } else {
    StickyAssignmentsDoc doc;
    doc.attribute_name = r.hash_attribute;
    doc.attribute_value = StickyText(r.hash_value, value_text);
    it = context.sticky_bucket_assignment_docs.emplace(doc_key, std::move(doc)).first;
  }
  it->second.assignments[exp_key] = r.key;
  absl::Status saved = context.sticky_bucket_service->SaveAssignments(it->second);
  if (!saved.ok()) context.sticky_bucket_save_status = std::move(saved);
}

}  // namespace

ExperimentResult RunExperiment(Context& context, const Experiment& e,
                               std::optional<std::string_view> feature_id,
                               const std::vector<BucketRange>* ranges, EvalState& stack) {
  const ExperimentRun run{context, e, feature_id, stack};
  // Clamped: the int the SDK's functions take (a payload cannot come near).
  const int num_variations = static_cast<int>(
      std::min<size_t>(e.variations.size(), std::numeric_limits<int>::max()));
  // 1, 2: too few variations; disabled context.
  if (num_variations < 2 || !context.enabled) return run.NotIn();
  // 3, 4: forced variations.
  if (std::optional<int> forced = ForcedVariation(run, num_variations)) {
    return run.Result(*forced, false);
  }
  // 5: draft or inactive.
  if (IsDraftOrInactive(e)) return run.NotIn();
  // 6: the hash attribute.
  const HashAttribute ha = ExperimentHashAttribute(context, e);
  if (ha.value == nullptr || !IsTruthy(*ha.value)) return run.NotIn();
  std::string scratch;
  const std::string_view hash_text = HashText(*ha.value, scratch);

  const bool sticky = StickyOn(context, e);
  const StickyVariation sv = sticky ? GetStickyBucketVariation(context, e) : StickyVariation{};
  const bool found_sticky = sv.variation >= 0;
  // 7 - 8.1: targeting, unless a sticky bucket decided.
  if (!found_sticky && !PassesTargeting(run, hash_text)) return run.NotIn();
  // 8.2: old-style URL targeting.
  if (e.url && !UrlIsValid(context, *e.url)) return run.NotIn();
  // 9: the hash, and the variation it falls in.
  const int hash_version = e.hash_version.value_or(0) != 0 ? *e.hash_version : 1;
  const std::optional<double> n = Hash(e.seed && !e.seed->empty() ? std::string_view(*e.seed)
                                                                  : std::string_view(e.key),
                                       hash_text, hash_version);
  if (!n) return run.NotIn();
  const int assigned = found_sticky ? sv.variation : ChooseByHash(e, *n, ranges);
  // 9.5: a sticky bucket of a blocked version keeps the user out.
  if (sv.version_blocked) return run.Result(-1, false, std::nullopt, true);
  // 10: not in any range (coverage).
  if (assigned < 0) return run.NotIn();
  // 11: the experiment forces a variation (also when stopped).
  if (e.force) return run.Result(*e.force, false);
  // 12: QA mode; 12.5: a stopped experiment.
  if (context.qa_mode || (e.status && *e.status == "stopped")) return run.NotIn();
  // 13: assigned by hash; 13.5: persisted; 14: tracked.
  ExperimentResult result = run.Result(assigned, true, n, found_sticky);
  if (e.contextual_bandit && result.in_experiment) result.contextual_bandit = e.contextual_bandit;
  if (sticky) PersistStickyBucket(context, e, result);
  if (context.on_experiment_viewed) context.on_experiment_viewed(e, result);
  return result;
}

bool IsFilteredOut(const Context& context, const std::vector<BucketFilter>& filters) {
  std::string scratch;
  for (const BucketFilter& f : filters) {
    const HashAttribute ha = GetHashAttribute(
        context.attributes, f.attribute ? std::string_view(*f.attribute) : "", std::nullopt);
    if (ha.value == nullptr || !IsTruthy(*ha.value)) return true;
    const int version = f.hash_version.value_or(0) != 0 ? *f.hash_version : 2;
    const std::optional<double> n = Hash(f.seed, HashText(*ha.value, scratch), version);
    if (!n) return true;
    if (std::none_of(f.ranges.begin(), f.ranges.end(),
                     [&](const BucketRange& r) { return InRange(*n, r); })) {
      return true;
    }
  }
  return false;
}

}  // namespace marquee::campaign::internal
