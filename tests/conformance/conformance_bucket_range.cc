// getBucketRange: [name, [numVariations, coverage, weights | null], ranges].
// Compared after rounding down to 8 decimals, as GrowthBook's own runner does.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "conformance_cases.h"
#include "marquee/campaign/hashing.h"

namespace marquee::conformance {
namespace {

using campaign::BucketRange;
using campaign::Value;

double Round8(double d) { return std::floor(d * 1e8) / 1e8; }

TEST_CASE("getBucketRange") {
  RunSection("getBucketRange", [](const Value& c) {
    const Value& args = c.At(1);
    std::vector<double> weights;
    for (const Value& w : args.At(2).elements()) weights.push_back(w.as_number());
    const std::vector<BucketRange> got = campaign::GetBucketRanges(
        static_cast<int>(args.At(0).as_number()), args.At(1).as_number(), weights);
    const Value& expected = c.At(2);
    bool passed = got.size() == expected.size();
    for (size_t i = 0; passed && i < got.size(); ++i) {
      passed = Round8(got[i].start) == Round8(expected.At(i).At(0).as_number()) &&
               Round8(got[i].end) == Round8(expected.At(i).At(1).as_number());
    }
    std::string got_text;
    for (const BucketRange& r : got) {
      got_text += "[" + std::to_string(r.start) + "," + std::to_string(r.end) + "]";
    }
    CHECK_MESSAGE(passed, "got " << got_text << ", expected " << expected.ToJsonText());
    return passed;
  });
}

}  // namespace
}  // namespace marquee::conformance
