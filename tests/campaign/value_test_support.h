// Test helpers of the campaign tests: JSON text to a Value or a Json,
// failing the current test case (with Parse's message) when it does not parse.
#ifndef MARQUEE_TESTS_CAMPAIGN_VALUE_TEST_SUPPORT_H_
#define MARQUEE_TESTS_CAMPAIGN_VALUE_TEST_SUPPORT_H_

#include <doctest/doctest.h>

#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "marquee/campaign/value.h"
#include "marquee/json.h"

namespace marquee::campaign::test {

// Value::Parse(text, limits), which the test REQUIREs to succeed.
inline Value MustParse(std::string_view text, const ValueLimits& limits = {}) {
  absl::StatusOr<Value> v = Value::Parse(text, limits);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  return *std::move(v);
}

// Json::Parse(text), which the test REQUIREs to succeed.
inline Json MustParseJson(std::string_view text) {
  absl::StatusOr<Json> json = Json::Parse(text);
  REQUIRE_MESSAGE(json.ok(), json.status().ToString());
  return *std::move(json);
}

}  // namespace marquee::campaign::test

#endif  // MARQUEE_TESTS_CAMPAIGN_VALUE_TEST_SUPPORT_H_
