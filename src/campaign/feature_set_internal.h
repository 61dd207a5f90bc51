// The compiled form of a FeatureSet: what evaluation reads instead of JSON.
#ifndef MARQUEE_SRC_CAMPAIGN_FEATURE_SET_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_FEATURE_SET_INTERNAL_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "marquee/campaign/experiment.h"
#include "marquee/campaign/features.h"
#include "marquee/campaign/hashing.h"

namespace marquee::campaign {

// A tracking call of a remotely evaluated experiment (FeatureRule::tracks),
// read once.
struct RuleTrack {
  std::shared_ptr<const Experiment> experiment;
  ExperimentResult result;
};

// One rule, with the experiment it runs built once.
struct CompiledRule {
  const FeatureRule* rule = nullptr;  // into Compiled::definitions
  // Rules with variations (or contextual variations): the experiment of
  // evalFeature's "convert the rule to an Experiment", and its bucket
  // ranges (GetBucketRanges of its coverage and weights, or its ranges).
  std::shared_ptr<const Experiment> experiment;
  std::vector<BucketRange> ranges;
  // Force rules: the tracking calls fired when the rule applies.
  std::vector<RuleTrack> tracks;
};

struct CompiledFeature {
  const FeatureDefinition* definition = nullptr;
  std::vector<CompiledRule> rules;
};

namespace internal {

struct CompiledFeatureSet {
  std::map<std::string, FeatureDefinition, std::less<>> definitions;
  // The keys in the order they were read, for writing them back so.
  std::vector<std::string> key_order;
  // Same keys as definitions, hashed: looking a feature up is the first
  // step of every evaluation. Pointers stay valid as neither map changes
  // after construction.
  absl::flat_hash_map<std::string, CompiledFeature> features;
  // Attributes that experiment rules hash on (hashAttribute or "id", and
  // fallbackAttribute): the sticky-bucket identifiers of a user.
  std::vector<std::string> sticky_attributes;
};

// The compiled form of `set` (a friend of FeatureSet).
const CompiledFeatureSet& CompiledOf(const FeatureSet& set);

// FeatureRule::tracks read: each {"experiment", "result"} pair. `path`
// prefixes error messages. Errors: InvalidArgument naming the field (not an
// array, an element not an object, "experiment" or "result" missing or
// malformed).
absl::StatusOr<std::vector<RuleTrack>> TracksFromValue(const Value& tracks,
                                                       std::string_view path);

}  // namespace internal

// evalFeature's experiment for `rule` of feature `feature_key`; REQUIRES:
// the rule has variations or contextual variations.
std::shared_ptr<const Experiment> ExperimentForRule(const FeatureRule& rule,
                                                    std::string_view feature_key);

// The bucket ranges Run uses for `experiment` (its ranges, or those of its
// coverage and weights).
std::vector<BucketRange> RangesForExperiment(const Experiment& experiment);

}  // namespace marquee::campaign

#endif  // MARQUEE_SRC_CAMPAIGN_FEATURE_SET_INTERNAL_H_
