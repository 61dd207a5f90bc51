// getQueryStringOverride: [name, experiment key, url, numVariations,
// expected variation | null]. Run forces a variation from Context::url, so
// the parsing of the page URL is held to GrowthBook's answers.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "conformance_cases.h"
#include "marquee/campaign/hashing.h"

namespace marquee::conformance {
namespace {

using campaign::Value;

TEST_CASE("getQueryStringOverride") {
  RunSection("getQueryStringOverride", [](const Value& c) {
    const std::optional<int> got = campaign::GetQueryStringOverride(
        c.At(1).as_string(), c.At(2).as_string(), static_cast<int>(c.At(3).as_number()));
    const Value& expected = c.At(4);
    const bool passed = expected.is_null()
                            ? !got.has_value()
                            : got.has_value() && *got == expected.as_number();
    CHECK_MESSAGE(passed, "got " << (got ? std::to_string(*got) : std::string("null"))
                                 << ", expected " << expected.ToJsonText());
    return passed;
  });
}

}  // namespace
}  // namespace marquee::conformance
