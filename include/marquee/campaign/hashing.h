// marquee/campaign/hashing.h — deterministic bucketing, as GrowthBook does it.
//
// The pure functions every experiment and rollout is built on, bit for bit
// compatible with GrowthBook's SDKs (spec "build your own SDK"), so a user
// lands in the same bucket on every node and in every GrowthBook SDK:
//   - Hash: FNV-1a 32-bit over the UTF-16 code units of the text (what
//     JavaScript's charCodeAt sees), hash versions 1 and 2, mapped to [0, 1);
//   - GetBucketRanges: coverage and weights to one range per variation;
//   - ChooseVariation, InRange, InNamespace, GetEqualWeights;
//   - GetQueryStringOverride: a variation forced from a page URL.
// Bad numbers never crash: coverage is clamped, weights that do not fit fall
// back to equal weights, as the spec's "lenient in production" rule asks.
// Thread-safety: pure functions.
//
//   std::optional<double> n = marquee::campaign::Hash("my-exp", "user-42", 2);
//   auto ranges = marquee::campaign::GetBucketRanges(2, 1.0, {0.5, 0.5});
//   int variation = n ? marquee::campaign::ChooseVariation(*n, ranges) : -1;
#ifndef MARQUEE_CAMPAIGN_HASHING_H_
#define MARQUEE_CAMPAIGN_HASHING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "marquee/export.h"

namespace marquee::campaign {

// A half-open interval [start, end) of the unit line.
struct BucketRange {
  double start = 0;
  double end = 0;

  friend bool operator==(const BucketRange&, const BucketRange&) = default;
};

// An experiment's slice of a namespace: users whose namespace hash falls in
// [start, end) are eligible. Experiments in one namespace with disjoint
// slices are mutually exclusive.
struct Namespace {
  std::string id{};
  double start = 0;
  double end = 0;

  friend bool operator==(const Namespace&, const Namespace&) = default;
};

// FNV-1a, 32 bits, over the UTF-16 code units of `text` (UTF-8; a byte that
// is not valid UTF-8 counts as U+FFFD, as a browser decodes it).
[[nodiscard]] MARQUEE_EXPORT uint32_t Fnv1a32(std::string_view text);

// Maps `value` hashed with `seed` to [0, 1).
// Version 1 (the original, biased): fnv(value + seed) % 1000 / 1000.
// Version 2: fnv(decimal(fnv(seed + value))) % 10000 / 10000.
// Returns nullopt for any other version.
[[nodiscard]] MARQUEE_EXPORT std::optional<double> Hash(std::string_view seed,
                                                        std::string_view value, int version);

// n in [range.start, range.end).
[[nodiscard]] inline bool InRange(double n, const BucketRange& range) {
  return n >= range.start && n < range.end;
}

// The most variations an experiment can split users between. GrowthBook
// experiments have a handful; the bound keeps a count read from outside
// from sizing an allocation. Experiments with more include nobody.
inline constexpr int kMaxVariations = 10'000;

// `count` weights of 1/count each; empty when count < 1 (as the JavaScript
// SDK) or count > kMaxVariations.
[[nodiscard]] MARQUEE_EXPORT std::vector<double> GetEqualWeights(int count);

// One range per variation: variation i starts where the weights before it
// end and covers `coverage` of its weight. Coverage is clamped to [0, 1] (NaN
// counts as 0). Equal weights are used when `weights` is empty, has another
// length than `num_variations`, or does not sum to 1 within 0.01.
// Empty when num_variations < 1 or > kMaxVariations.
[[nodiscard]] MARQUEE_EXPORT std::vector<BucketRange> GetBucketRanges(
    int num_variations, double coverage, const std::vector<double>& weights = {});

// The index of the first range holding n, or -1 when none does.
[[nodiscard]] MARQUEE_EXPORT int ChooseVariation(double n, const std::vector<BucketRange>& ranges);

// Whether the user whose hash attribute value is `hash_value` falls in the
// namespace slice (hash version 1 of hash_value with seed "__" + id).
[[nodiscard]] MARQUEE_EXPORT bool InNamespace(std::string_view hash_value,
                                              const Namespace& ns);

// The variation forced by the query string of `url` for experiment `key`
// ("...?key=1"), or nullopt when the URL has no query string, the key is
// absent, the value is not an integer (the leading digits are read, as
// JavaScript's parseInt does) or not in [0, num_variations).
[[nodiscard]] MARQUEE_EXPORT std::optional<int> GetQueryStringOverride(std::string_view key,
                                                                       std::string_view url,
                                                                       int num_variations);

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_HASHING_H_
