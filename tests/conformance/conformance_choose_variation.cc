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
  RunSection("chooseVariation", [](const Value& c) {
    std::vector<BucketRange> ranges;
    for (const Value& r : c.At(2).elements()) {
      ranges.push_back({.start = r.At(0).as_number(), .end = r.At(1).as_number()});
    }
    const int got = campaign::ChooseVariation(c.At(1).as_number(), ranges);
    const int expected = static_cast<int>(c.At(3).as_number());
    CHECK(got == expected);
    return got == expected;
  });
}

}  // namespace
}  // namespace marquee::conformance
