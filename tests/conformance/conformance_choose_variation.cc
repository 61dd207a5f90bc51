// chooseVariation: [name, n, ranges, expected index (-1: none)].
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "conformance_cases.h"
#include "marquee/campaign/hashing.h"

namespace marquee::conformance {
namespace {

using campaign::BucketRange;
using campaign::Value;

TEST_CASE("chooseVariation") {
  absl::StatusOr<Value> cases = Section("chooseVariation");
  REQUIRE_MESSAGE(cases.ok(), cases.status().ToString());
  static SectionTally tally("chooseVariation", cases->size());
  size_t index = 0;
  for (const Value& c : cases->elements()) {
    const std::string name = CaseName(c, index);
    SUBCASE(name.c_str()) {
      std::vector<BucketRange> ranges;
      for (const Value& r : c.At(2).elements()) {
        ranges.push_back({.start = r.At(0).as_number(), .end = r.At(1).as_number()});
      }
      const int got = campaign::ChooseVariation(c.At(1).as_number(), ranges);
      const int expected = static_cast<int>(c.At(3).as_number());
      CHECK(got == expected);
      tally.Record(index, got == expected);
    }
    ++index;
  }
}

}  // namespace
}  // namespace marquee::conformance
