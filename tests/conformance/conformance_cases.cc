// Loading cases.json for the conformance runner.
#include "conformance_cases.h"

#include <doctest/doctest.h>

#include <fstream>
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

}  // namespace marquee::conformance
