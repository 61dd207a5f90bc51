// run: [name, context, experiment, value, inExperiment, hashUsed]. The
// experiment is read with ExperimentFromValue, then Run.
#include <doctest/doctest.h>

#include <string>

#include "campaign/growthbook_context.h"
#include "conformance_cases.h"
#include "marquee/campaign/evaluator.h"
#include "marquee/campaign/experiment.h"

namespace marquee::conformance {
namespace {

using campaign::Value;

TEST_CASE("run") {
  RunSection("run", [](const Value& c) {
    absl::StatusOr<campaign::Context> context = campaign::testing::ContextFromCaseJson(c.At(1));
    REQUIRE_MESSAGE(context.ok(), context.status().ToString());
    absl::StatusOr<campaign::Experiment> experiment = campaign::ExperimentFromValue(c.At(2));
    REQUIRE_MESSAGE(experiment.ok(), experiment.status().ToString());
    const campaign::ExperimentResult result = campaign::Run(*context, *experiment);
    const bool value_ok = campaign::testing::JsonEquivalent(result.value, c.At(3));
    const bool in_ok = result.in_experiment == c.At(4).as_bool();
    const bool hash_ok = result.hash_used == c.At(5).as_bool();
    CHECK_MESSAGE(value_ok, "value " << result.value.ToJsonText() << ", expected "
                                     << c.At(3).ToJsonText());
    CHECK_MESSAGE(in_ok, "inExperiment " << result.in_experiment);
    CHECK_MESSAGE(hash_ok, "hashUsed " << result.hash_used);
    return value_ok && in_ok && hash_ok;
  });
}

}  // namespace
}  // namespace marquee::conformance
