// GetQueryStringOverride against the getQueryStringOverride section of
// GrowthBook's cases.json. The conformance runner lists that section as not
// run (browser URLs are a client-SDK feature), but Run honours Context::url,
// so the function is held to GrowthBook's cases here.
#include <doctest/doctest.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "marquee/campaign/hashing.h"
#include "marquee/campaign/value.h"

namespace marquee::campaign {
namespace {

// ../shared/conformance/growthbook/cases.json beside the checkout, found
// from this file's path (tests/campaign/ of the checkout).
std::string CasesPath() {
  std::string path = __FILE__;
  for (int up = 0; up < 3; ++up) path = path.substr(0, path.rfind('/'));
  return path + "/../shared/conformance/growthbook/cases.json";
}

TEST_CASE("getQueryStringOverride cases of cases.json") {
  std::ifstream in(CasesPath(), std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << CasesPath());
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<Value> all = Value::Parse(text.str(), {.max_bytes = size_t{64} << 20});
  REQUIRE_MESSAGE(all.ok(), all.status().ToString());
  const Value* cases = all->Find("getQueryStringOverride");
  REQUIRE(cases != nullptr);
  REQUIRE(cases->size() == 16);
  size_t passed = 0;
  for (const Value& c : cases->elements()) {
    // [name, experiment key, url, numVariations, expected | null]
    CAPTURE(std::string(c.At(0).as_string()));
    const std::optional<int> got = GetQueryStringOverride(
        c.At(1).as_string(), c.At(2).as_string(), static_cast<int>(c.At(3).as_number()));
    const bool ok = c.At(4).is_null() ? !got.has_value()
                                      : got.has_value() && *got == c.At(4).as_number();
    CHECK(ok);
    passed += ok;
  }
  MESSAGE("getQueryStringOverride: " << cases->size() << " cases, " << passed << " passed");
}

}  // namespace
}  // namespace marquee::campaign
