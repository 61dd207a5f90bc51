// evalCondition: [name, condition, attributes, expected, savedGroups?].
// Each case runs through both forms: EvalCondition (interpreted) and
// CompiledCondition (compiled once, then evaluated).
#include <doctest/doctest.h>

#include <string>

#include "conformance_cases.h"
#include "marquee/campaign/condition.h"

namespace marquee::conformance {
namespace {

using campaign::CompiledCondition;
using campaign::SavedGroups;
using campaign::Value;

TEST_CASE("evalCondition") {
  RunSection("evalCondition", [](const Value& c) {
    const Value& condition = c.At(1);
    const Value& attributes = c.At(2);
    const bool expected = c.At(3).as_bool();
    SavedGroups groups;
    if (c.size() > 4) {
      absl::StatusOr<SavedGroups> parsed = campaign::SavedGroupsFromValue(c.At(4));
      REQUIRE_MESSAGE(parsed.ok(), parsed.status().ToString());
      groups = *parsed;
    }
    const bool interpreted = campaign::EvalCondition(attributes, condition, groups);
    CHECK_MESSAGE(interpreted == expected, "interpreted form");
    absl::StatusOr<CompiledCondition> compiled = CompiledCondition::Compile(condition);
    REQUIRE_MESSAGE(compiled.ok(), compiled.status().ToString());
    const bool compiled_result = compiled->Evaluate(attributes, groups);
    CHECK_MESSAGE(compiled_result == expected, "compiled form");
    return interpreted == expected && compiled_result == expected;
  });
}

}  // namespace
}  // namespace marquee::conformance
