// Test helper of the campaign tests: JSON text to a Value, failing the
// current test case (with Parse's message) when the text does not parse.
#ifndef MARQUEE_TESTS_CAMPAIGN_VALUE_TEST_SUPPORT_H_
#define MARQUEE_TESTS_CAMPAIGN_VALUE_TEST_SUPPORT_H_

#include <doctest/doctest.h>

#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "marquee/campaign/value.h"

namespace marquee::campaign::test {

// Value::Parse(text, limits), which the test REQUIREs to succeed.
inline Value MustParse(std::string_view text, const ValueLimits& limits = {}) {
  absl::StatusOr<Value> v = Value::Parse(text, limits);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  return *std::move(v);
}

}  // namespace marquee::campaign::test

#endif  // MARQUEE_TESTS_CAMPAIGN_VALUE_TEST_SUPPORT_H_
