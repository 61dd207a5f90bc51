// hash: [seed, value, version, expected (null for an unknown version)].
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "conformance_cases.h"
#include "marquee/campaign/hashing.h"

namespace marquee::conformance {
namespace {

using campaign::Value;

TEST_CASE("hash") {
  absl::StatusOr<Value> cases = Section("hash");
  REQUIRE_MESSAGE(cases.ok(), cases.status().ToString());
  static SectionTally tally("hash", cases->size());
  size_t index = 0;
  for (const Value& c : cases->elements()) {
    // Hash cases have no name: name them by their arguments.
    const std::string name = "#" + std::to_string(index) + " hash(\"" +
                             std::string(c.At(0).as_string()) + "\", \"" +
                             std::string(c.At(1).as_string()) + "\", " +
                             c.At(2).ToJsonText() + ")";
    SUBCASE(name.c_str()) {
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
      tally.Record(index, passed);
    }
    ++index;
  }
}

}  // namespace
}  // namespace marquee::conformance
