// The GrowthBook SDK conformance cases (cases.json), loaded once and shared
// by every section file of the growthbook_conformance runner.
//
// cases.json is one object keyed by the function under test; each section
// is an array of cases, and each case an array laid out as GrowthBook's
// "build your own SDK" guide describes for that function. Section files get
// their cases as campaign::Values and report through SectionTally.
#ifndef MARQUEE_TESTS_CONFORMANCE_CONFORMANCE_CASES_H_
#define MARQUEE_TESTS_CONFORMANCE_CONFORMANCE_CASES_H_

#include <cstddef>
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

// Counts the cases of one section across doctest's re-runs of a TEST_CASE
// (each run enters one SUBCASE), and prints "<section>: N cases, P passed,
// F failed" once every case has been recorded.
class SectionTally {
 public:
  SectionTally(std::string section, size_t total);
  // Records case `index` (the first record of an index counts).
  void Record(size_t index, bool passed);

 private:
  std::string section_;
  size_t total_;
  size_t recorded_ = 0;
  size_t passed_ = 0;
  std::string seen_;  // one byte per case: 0 not yet recorded, 1 recorded
};

}  // namespace marquee::conformance

#endif  // MARQUEE_TESTS_CONFORMANCE_CONFORMANCE_CASES_H_
