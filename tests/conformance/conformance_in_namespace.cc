// inNamespace: [name, user id, [namespace id, start, end], expected].
#include <doctest/doctest.h>

#include <string>

#include "conformance_cases.h"
#include "marquee/campaign/hashing.h"

namespace marquee::conformance {
namespace {

using campaign::Value;

TEST_CASE("inNamespace") {
  RunSection("inNamespace", [](const Value& c) {
    const Value& ns = c.At(2);
    const bool got = campaign::InNamespace(
        c.At(1).as_string(), {.id = std::string(ns.At(0).as_string()),
                              .start = ns.At(1).as_number(),
                              .end = ns.At(2).as_number()});
    const bool expected = c.At(3).as_bool();
    CHECK(got == expected);
    return got == expected;
  });
}

}  // namespace
}  // namespace marquee::conformance
