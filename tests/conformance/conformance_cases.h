// The GrowthBook SDK conformance cases (cases.json), loaded once and shared
// by every section file of the growthbook_conformance runner.
//
// cases.json is one object keyed by the function under test; each section
// is an array of cases, and each case an array laid out as GrowthBook's
// "build your own SDK" guide describes for that function. Section files get
// their cases as campaign::Values and run them through RunSection.
#ifndef MARQUEE_TESTS_CONFORMANCE_CONFORMANCE_CASES_H_
#define MARQUEE_TESTS_CONFORMANCE_CONFORMANCE_CASES_H_

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "marquee/campaign/value.h"

namespace marquee::conformance {

// The sections this runner executes, and those it lists as not run
// (conformance_not_run.cc says why). Every key of cases.json other than
// "specVersion" is in exactly one of the two lists.
inline constexpr std::string_view kRunSections[] = {
    "evalCondition", "hash", "getBucketRange", "chooseVariation", "inNamespace",
    "getEqualWeights", "feature", "run", "stickyBucket", "getQueryStringOverride",
    "contextualBandit"};
inline constexpr std::string_view kNotRunSections[] = {"decrypt", "urlRedirect"};

// The number of cases in the run sections of cases.json (spec 0.8.0): 452
// in the nine sections issue 5 names, 16 in getQueryStringOverride and 35
// in contextualBandit. A test checks it, so a section that silently loses
// cases (or a changed cases.json) is noticed.
inline constexpr size_t kRunCaseCount = 503;

// The whole file (parsed on first use; the path is the compile definition
// MARQUEE_GROWTHBOOK_CASES). Errors: those of reading or parsing the file.
const absl::StatusOr<campaign::Value>& AllCases();

// One section's array of cases. Errors: NotFound (no such section),
// InvalidArgument (it is not an array), or AllCases()'s error.
absl::StatusOr<campaign::Value> Section(std::string_view name);

// The expected FeatureResult of a feature or contextualBandit case, with
// ruleId "" added when absent (GrowthBook's own runner defaults it so).
campaign::Value WithDefaultRuleId(const campaign::Value& expected);

// A unique, readable subcase name for case `index` of a section: "#index"
// followed by the case's name when its first element is a string (names
// repeat within some sections, and doctest merges subcases of equal name).
std::string CaseName(const campaign::Value& test_case, size_t index);

// Checks a case: makes its own CHECKs and returns whether the case passed.
using CaseCheck = std::function<bool(const campaign::Value& test_case)>;
// Names case `index` of a section for its SUBCASE.
using CaseNamer = std::function<std::string(const campaign::Value& test_case, size_t index)>;

// Runs `check` on every case of `section`, each in its own SUBCASE named by
// `name_of`, and records it in the section's tally, so the count line is
// printed once every case ran, including when some failed (a case whose
// check throws, as a failed REQUIRE does, is recorded as failed first).
// Call it from the section's TEST_CASE.
void RunSection(std::string_view section, const CaseCheck& check,
                const CaseNamer& name_of = CaseName);

}  // namespace marquee::conformance

#endif  // MARQUEE_TESTS_CONFORMANCE_CONFORMANCE_CASES_H_
