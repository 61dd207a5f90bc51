// contextualBandit: [name, context, feature key, expected FeatureResult],
// laid out and compared as the feature section (contextual-bandit rules and
// the result fields they set).
#include <doctest/doctest.h>

#include <string>

#include "campaign/growthbook_context.h"
#include "conformance_cases.h"
#include "marquee/campaign/evaluator.h"

namespace marquee::conformance {
namespace {

using campaign::Value;

TEST_CASE("contextualBandit") {
  absl::StatusOr<Value> cases = Section("contextualBandit");
  REQUIRE_MESSAGE(cases.ok(), cases.status().ToString());
  static SectionTally tally("contextualBandit", cases->size());
  size_t index = 0;
  for (const Value& c : cases->elements()) {
    const std::string name = CaseName(c, index);
    SUBCASE(name.c_str()) {
      absl::StatusOr<campaign::Context> context = campaign::testing::ContextFromCaseJson(c.At(1));
      REQUIRE_MESSAGE(context.ok(), context.status().ToString());
      const campaign::FeatureResult result = campaign::EvalFeature(*context, c.At(2).as_string());
      const Value got = campaign::FeatureResultToValue(result);
      const Value expected = WithDefaultRuleId(c.At(3));
      const bool passed = campaign::testing::JsonEquivalent(got, expected);
      CHECK_MESSAGE(passed, "got      " << got.ToJsonText() << "\nexpected " << expected.ToJsonText());
      tally.Record(index, passed);
    }
    ++index;
  }
}

}  // namespace
}  // namespace marquee::conformance
