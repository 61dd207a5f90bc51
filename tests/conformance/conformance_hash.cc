// hash: [seed, value, version, expected (null for an unknown version)].
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "conformance_cases.h"
#include "marquee/campaign/hashing.h"

namespace marquee::conformance {
namespace {

using campaign::Value;

// Hash cases have no name: name them by their arguments.
std::string HashCaseName(const Value& c, size_t index) {
  return "#" + std::to_string(index) + " hash(\"" + std::string(c.At(0).as_string()) + "\", \"" +
         std::string(c.At(1).as_string()) + "\", " + c.At(2).ToJsonText() + ")";
}

TEST_CASE("hash") {
  RunSection("hash", [](const Value& c) {
    const std::optional<double> got = campaign::Hash(
        c.At(0).as_string(), c.At(1).as_string(), static_cast<int>(c.At(2).as_number()));
    const Value& expected = c.At(3);
    bool passed = false;
    if (expected.is_null()) {
      passed = !got.has_value();
      CHECK_MESSAGE(passed, "expected null");
    } else {
      REQUIRE(got.has_value());
      passed = *got == expected.as_number();
      CHECK(*got == expected.as_number());
    }
    return passed;
  }, HashCaseName);
}

}  // namespace
}  // namespace marquee::conformance
