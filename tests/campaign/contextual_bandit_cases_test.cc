// Contextual-bandit rules against the contextualBandit section of
// GrowthBook's cases.json ([name, context, feature key, expected
// FeatureResult], as the feature section). The conformance runner lists
// that section as not run; the feature section's CB cases need CB rules, so
// the whole section is held to GrowthBook's answers here.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "campaign/growthbook_context.h"
#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/value.h"

namespace marquee::campaign {
namespace {

// ../shared/conformance/growthbook/cases.json beside the checkout.
std::string CasesPath() {
  std::string path = __FILE__;
  for (int up = 0; up < 3; ++up) path = path.substr(0, path.rfind('/'));
  return path + "/../shared/conformance/growthbook/cases.json";
}

TEST_CASE("contextualBandit cases of cases.json") {
  std::ifstream in(CasesPath(), std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot open " << CasesPath());
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<Value> all = Value::Parse(text.str(), {.max_bytes = size_t{64} << 20});
  REQUIRE_MESSAGE(all.ok(), all.status().ToString());
  const Value* cases = all->Find("contextualBandit");
  REQUIRE(cases != nullptr);
  size_t passed = 0;
  for (const Value& c : cases->elements()) {
    CAPTURE(std::string(c.At(0).as_string()));
    absl::StatusOr<Context> context = testing::ContextFromCaseJson(c.At(1));
    REQUIRE_MESSAGE(context.ok(), context.status().ToString());
    const Value got = FeatureResultToValue(EvalFeature(*context, c.At(2).as_string()));
    Value expected = c.At(3);
    if (expected.Find("ruleId") == nullptr) {
      std::vector<Value::Member> members(expected.members().begin(), expected.members().end());
      members.emplace_back("ruleId", Value::String(""));
      expected = Value::Object(std::move(members));
    }
    const bool ok = testing::JsonEquivalent(got, expected);
    CHECK_MESSAGE(ok, "got      " << got.ToJsonText() << "\nexpected " << expected.ToJsonText());
    passed += ok;
  }
  MESSAGE("contextualBandit: " << cases->size() << " cases, " << passed << " passed");
}

}  // namespace
}  // namespace marquee::campaign
