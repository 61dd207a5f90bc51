// feature and contextualBandit: [name, context, feature key, expected
// FeatureResult]. Both are EvalFeature cases (contextualBandit's exercise
// contextual-bandit rules and the result fields they set). The whole result
// is compared as JSON (member order aside), experiment and experimentResult
// included (WithDefaultRuleId: ruleId defaults to "").
#include <doctest/doctest.h>

#include <string>

#include "campaign/growthbook_context.h"
#include "conformance_cases.h"
#include "marquee/campaign/evaluator.h"

namespace marquee::conformance {
namespace {

using campaign::Value;

bool FeatureCasePasses(const Value& c) {
  absl::StatusOr<campaign::Context> context = campaign::testing::ContextFromCaseJson(c.At(1));
  REQUIRE_MESSAGE(context.ok(), context.status().ToString());
  const campaign::FeatureResult result = campaign::EvalFeature(*context, c.At(2).as_string());
  const Value got = campaign::FeatureResultToValue(result);
  const Value expected = WithDefaultRuleId(c.At(3));
  const bool passed = campaign::testing::JsonEquivalent(got, expected);
  CHECK_MESSAGE(passed, "got      " << got.ToJsonText() << "\nexpected " << expected.ToJsonText());
  return passed;
}

TEST_CASE("feature") { RunSection("feature", FeatureCasePasses); }

TEST_CASE("contextualBandit") { RunSection("contextualBandit", FeatureCasePasses); }

}  // namespace
}  // namespace marquee::conformance
