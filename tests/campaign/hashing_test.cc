// Bucketing functions beyond GrowthBook's conformance cases: UTF-16 hashing
// of non-ASCII text, bad numbers, and query-string overrides.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "marquee/campaign/hashing.h"

namespace marquee::campaign {
namespace {

TEST_SUITE("campaign.hashing") {
  TEST_CASE("FNV-1a of ASCII matches the published test vectors") {
    CHECK(Fnv1a32("") == 0x811c9dc5u);
    CHECK(Fnv1a32("a") == 0xe40c292cu);
    CHECK(Fnv1a32("foobar") == 0xbf9cf968u);
  }

  TEST_CASE("non-ASCII text is hashed as UTF-16 code units") {
    // "é" is one UTF-16 unit 0xE9: the same as feeding that unit.
    CHECK(Fnv1a32("\xC3\xA9") == ((0x811c9dc5u ^ 0xE9u) * 16777619u));
    // U+1F600 is the surrogate pair D83D DE00.
    const uint32_t pair = ((((0x811c9dc5u ^ 0xD83Du) * 16777619u) ^ 0xDE00u) * 16777619u);
    CHECK(Fnv1a32("\xF0\x9F\x98\x80") == pair);
  }

  TEST_CASE("invalid UTF-8 bytes hash as U+FFFD each") {
    const uint32_t replacement = (0x811c9dc5u ^ 0xFFFDu) * 16777619u;
    CHECK(Fnv1a32("\xFF") == replacement);
    CHECK(Fnv1a32("\xC3") == replacement);  // truncated sequence
  }

  TEST_CASE("unknown hash versions give nullopt") {
    CHECK_FALSE(Hash("a", "b", 0).has_value());
    CHECK_FALSE(Hash("a", "b", 3).has_value());
    CHECK(Hash("a", "b", 1).has_value());
  }

  TEST_CASE("bucket ranges survive NaN and negative sizes") {
    CHECK(GetBucketRanges(0, 1.0).empty());
    CHECK(GetBucketRanges(-3, 1.0).empty());
    const auto nan_coverage = GetBucketRanges(2, std::nan(""));
    REQUIRE(nan_coverage.size() == 2);
    CHECK(nan_coverage[0] == BucketRange{0, 0});
    const auto nan_weights = GetBucketRanges(2, 1.0, {std::nan(""), 0.5});
    REQUIRE(nan_weights.size() == 2);
    CHECK(nan_weights[1] == BucketRange{0.5, 1.0});
  }

  TEST_CASE("equal weights") {
    CHECK(GetEqualWeights(-1).empty());
    CHECK(GetEqualWeights(4) == std::vector<double>{0.25, 0.25, 0.25, 0.25});
  }

  TEST_CASE("counts above kMaxVariations allocate nothing") {
    CHECK(GetEqualWeights(kMaxVariations).size() == static_cast<size_t>(kMaxVariations));
    CHECK(GetEqualWeights(kMaxVariations + 1).empty());
    CHECK(GetEqualWeights(std::numeric_limits<int>::max()).empty());
    CHECK(GetBucketRanges(kMaxVariations + 1, 1.0).empty());
    CHECK(GetBucketRanges(std::numeric_limits<int>::max(), 1.0).empty());
  }

  TEST_CASE("query-string overrides read the first matching pair like parseInt") {
    CHECK(GetQueryStringOverride("t", "http://x/?a=1&t=1&t=0", 2) == 1);
    CHECK(GetQueryStringOverride("t", "http://x/?t=1abc", 2) == 1);
    CHECK(GetQueryStringOverride("t", "http://x/?t=0x1", 2) == 1);
    CHECK(GetQueryStringOverride("t", "http://x/?t=-0", 2) == 0);
    CHECK_FALSE(GetQueryStringOverride("t", "http://x/?t", 2).has_value());
    CHECK_FALSE(GetQueryStringOverride("t", "http://x/?t=", 2).has_value());
    CHECK_FALSE(GetQueryStringOverride("t", "http://x/?t=99999999999999999999", 2).has_value());
    CHECK_FALSE(GetQueryStringOverride("t", "http://x/?u=1#t=1", 2).has_value());
    CHECK_FALSE(GetQueryStringOverride("t", "http://x/?u=1?t=1", 2).has_value());
  }

  TEST_CASE("namespaces are half-open") {
    const std::optional<double> n = Hash("__ns", "user", 1);
    REQUIRE(n.has_value());
    CHECK(InNamespace("user", {.id = "ns", .start = *n, .end = *n + 0.001}));
    CHECK_FALSE(InNamespace("user", {.id = "ns", .start = 0, .end = *n}));
  }
}

}  // namespace
}  // namespace marquee::campaign
