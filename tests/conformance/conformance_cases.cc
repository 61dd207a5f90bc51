// Loading cases.json for the conformance runner.
#include "conformance_cases.h"

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace marquee::conformance {
namespace {

absl::StatusOr<campaign::Value> Load() {
  std::ifstream in(MARQUEE_GROWTHBOOK_CASES, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot open ", MARQUEE_GROWTHBOOK_CASES));
  }
  std::stringstream text;
  text << in.rdbuf();
  return campaign::Value::Parse(text.str(), {.max_bytes = size_t{64} << 20, .max_depth = 128});
}

}  // namespace

const absl::StatusOr<campaign::Value>& AllCases() {
  static const absl::StatusOr<campaign::Value>* const kCases =
      new absl::StatusOr<campaign::Value>(Load());
  return *kCases;
}

absl::StatusOr<campaign::Value> Section(std::string_view name) {
  const absl::StatusOr<campaign::Value>& all = AllCases();
  if (!all.ok()) return all.status();
  const campaign::Value* section = all->Find(name);
  if (section == nullptr) {
    return absl::NotFoundError(absl::StrCat("cases.json has no section ", std::string(name)));
  }
  if (!section->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat("section ", std::string(name), " of cases.json is not an array"));
  }
  return *section;
}

std::string CaseName(const campaign::Value& test_case, size_t index) {
  std::string name = absl::StrCat("#", index);
  const campaign::Value& first = test_case.At(0);
  if (first.is_string()) absl::StrAppend(&name, " ", std::string(first.as_string()));
  return name;
}

campaign::Value WithDefaultRuleId(const campaign::Value& expected) {
  if (expected.Find("ruleId") != nullptr) return expected;
  std::vector<campaign::Value::Member> members(expected.members().begin(),
                                               expected.members().end());
  members.emplace_back("ruleId", campaign::Value::String(""));
  return campaign::Value::Object(std::move(members));
}

namespace {

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

SectionTally::SectionTally(std::string section, size_t total)
    : section_(std::move(section)), total_(total), seen_(total, '\0') {}

void SectionTally::Record(size_t index, bool passed) {
  if (index >= total_ || seen_[index] != '\0') return;
  seen_[index] = '\1';
  ++recorded_;
  if (passed) ++passed_;
  if (recorded_ == total_) {
    MESSAGE(section_ << ": " << total_ << " cases, " << passed_ << " passed, "
                     << total_ - passed_ << " failed");
  }
}

}  // namespace

void RunSection(std::string_view section, const CaseCheck& check, const CaseNamer& name_of) {
  absl::StatusOr<campaign::Value> cases = Section(section);
  REQUIRE_MESSAGE(cases.ok(), cases.status().ToString());
  // doctest re-enters the TEST_CASE once per SUBCASE; the tally outlives
  // those runs.
  static auto* const tallies = new std::map<std::string, SectionTally, std::less<>>();
  SectionTally& tally =
      tallies->try_emplace(std::string(section), std::string(section), cases->size())
          .first->second;
  size_t index = 0;
  for (const campaign::Value& test_case : cases->elements()) {
    const std::string name = name_of(test_case, index);
    SUBCASE(name.c_str()) {
      bool passed = false;
      try {
        passed = check(test_case);
      } catch (...) {
        tally.Record(index, false);
        throw;
      }
      tally.Record(index, passed);
    }
    ++index;
  }
}


}  // namespace marquee::conformance
