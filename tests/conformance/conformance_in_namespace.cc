// inNamespace: [name, user id, [namespace id, start, end], expected].
#include <doctest/doctest.h>

#include <string>

#include "conformance_cases.h"
#include "marquee/campaign/hashing.h"

namespace marquee::conformance {
namespace {

using campaign::Value;

TEST_CASE("inNamespace") {
  absl::StatusOr<Value> cases = Section("inNamespace");
  REQUIRE_MESSAGE(cases.ok(), cases.status().ToString());
  static SectionTally tally("inNamespace", cases->size());
  size_t index = 0;
  for (const Value& c : cases->elements()) {
    const std::string name = CaseName(c, index);
    SUBCASE(name.c_str()) {
      const Value& ns = c.At(2);
      const bool got = campaign::InNamespace(
          c.At(1).as_string(), {.id = std::string(ns.At(0).as_string()),
                                .start = ns.At(1).as_number(),
                                .end = ns.At(2).as_number()});
      const bool expected = c.At(3).as_bool();
      CHECK(got == expected);
      tally.Record(index, got == expected);
    }
    ++index;
  }
}

}  // namespace
}  // namespace marquee::conformance
