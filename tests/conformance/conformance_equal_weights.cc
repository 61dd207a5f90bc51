// getEqualWeights: [numVariations, weights]; compared after rounding down to
// 8 decimals, as GrowthBook's own runner does.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "conformance_cases.h"
#include "marquee/campaign/hashing.h"

namespace marquee::conformance {
namespace {

using campaign::Value;

double Round8(double d) { return std::floor(d * 1e8) / 1e8; }

// These cases have no name: name them by their argument.
std::string EqualWeightsCaseName(const Value& c, size_t index) {
  return "#" + std::to_string(index) + " getEqualWeights(" + c.At(0).ToJsonText() + ")";
}

TEST_CASE("getEqualWeights") {
  RunSection("getEqualWeights", [](const Value& c) {
    const std::vector<double> got =
        campaign::GetEqualWeights(static_cast<int>(c.At(0).as_number()));
    const Value& expected = c.At(1);
    bool passed = got.size() == expected.size();
    for (size_t i = 0; passed && i < got.size(); ++i) {
      passed = Round8(got[i]) == Round8(expected.At(i).as_number());
    }
    CHECK_MESSAGE(passed, "got " << got.size() << " weights, expected " << expected.ToJsonText());
    return passed;
  }, EqualWeightsCaseName);
}

}  // namespace
}  // namespace marquee::conformance
