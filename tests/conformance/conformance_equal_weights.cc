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

TEST_CASE("getEqualWeights") {
  absl::StatusOr<Value> cases = Section("getEqualWeights");
  REQUIRE_MESSAGE(cases.ok(), cases.status().ToString());
  static SectionTally tally("getEqualWeights", cases->size());
  size_t index = 0;
  for (const Value& c : cases->elements()) {
    // These cases have no name: name them by their argument.
    const std::string name =
        "#" + std::to_string(index) + " getEqualWeights(" + c.At(0).ToJsonText() + ")";
    SUBCASE(name.c_str()) {
      const std::vector<double> got =
          campaign::GetEqualWeights(static_cast<int>(c.At(0).as_number()));
      const Value& expected = c.At(1);
      bool passed = got.size() == expected.size();
      for (size_t i = 0; passed && i < got.size(); ++i) {
        passed = Round8(got[i]) == Round8(expected.At(i).as_number());
      }
      CHECK_MESSAGE(passed, "got " << got.size() << " weights, expected " << expected.ToJsonText());
      tally.Record(index, passed);
    }
    ++index;
  }
}

}  // namespace
}  // namespace marquee::conformance
