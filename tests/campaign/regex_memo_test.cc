// The per-call regex memo (src/campaign/regex_memo_internal.h): inside a
// scope, repeated (pattern, subject) pairs answer from the memo, and no
// answer ever crosses to another subject, pattern or scope.
#include <doctest/doctest.h>

#include <string>

#include "campaign/regex_memo_internal.h"
#include "marquee/campaign/condition.h"
#include "campaign/value_test_support.h"

namespace marquee::campaign {
namespace {

using internal::RegexMemoAdd;
using internal::RegexMemoFind;
using internal::ScopedRegexMemo;
using test::MustParse;

bool Eval(const char* condition, const char* attributes) {
  absl::StatusOr<CompiledCondition> c = CompiledCondition::Compile(MustParse(condition));
  REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  return c->Evaluate(MustParse(attributes));
}

TEST_SUITE("campaign.regex_memo") {
  TEST_CASE("without a scope nothing is remembered") {
    RegexMemoAdd("a+", true, "aaa", true);
    CHECK_FALSE(RegexMemoFind("a+", true, "aaa").has_value());
  }

  TEST_CASE("inside a scope a result is found by pattern, case flag and subject") {
    ScopedRegexMemo scope;
    RegexMemoAdd("a+", true, "aaa", true);
    CHECK(RegexMemoFind("a+", true, "aaa") == true);
    CHECK_FALSE(RegexMemoFind("a+", false, "aaa").has_value());
    CHECK_FALSE(RegexMemoFind("a+", true, "aab").has_value());
    CHECK_FALSE(RegexMemoFind("a*", true, "aaa").has_value());
    {
      ScopedRegexMemo nested;  // shares the outer memo and does not clear it
      CHECK(RegexMemoFind("a+", true, "aaa") == true);
    }
    CHECK(RegexMemoFind("a+", true, "aaa") == true);
  }

  TEST_CASE("a scope's end forgets its results") {
    {
      ScopedRegexMemo scope;
      RegexMemoAdd("b", true, "b", false);
    }
    ScopedRegexMemo next;
    CHECK_FALSE(RegexMemoFind("b", true, "b").has_value());
  }

  TEST_CASE("conditions in a scope answer as without one, subject by subject") {
    const char* conditions[] = {R"({"ua":{"$regex":"(Chrome|Firefox)/1[0-9]{2}"}})",
                                R"({"ua":{"$notRegex":"(Chrome|Firefox)/1[0-9]{2}"}})",
                                R"({"ua":{"$regexi":"chrome/1[0-9]{2}"}})"};
    const char* users[] = {R"({"ua":"Mozilla Chrome/120.0"})", R"({"ua":"Mozilla Safari/605"})",
                           R"({"ua":"Mozilla CHROME/121"})", R"({"ua":12})"};
    bool expected[3][4];
    for (int c = 0; c < 3; ++c) {
      for (int u = 0; u < 4; ++u) expected[c][u] = Eval(conditions[c], users[u]);
    }
    CHECK(expected[0][0]);
    CHECK_FALSE(expected[0][1]);
    CHECK(expected[2][2]);
    ScopedRegexMemo scope;
    for (int round = 0; round < 2; ++round) {
      for (int u = 0; u < 4; ++u) {
        for (int c = 0; c < 3; ++c) {
          CAPTURE(c);
          CAPTURE(u);
          CHECK(Eval(conditions[c], users[u]) == expected[c][u]);
        }
      }
    }
  }

  TEST_CASE("past its capacity the memo stops adding and answers stay right") {
    ScopedRegexMemo scope;
    for (int i = 0; i < 100; ++i) {
      const std::string subject = "s" + std::to_string(i);
      RegexMemoAdd("s", true, subject, i % 2 == 0);
    }
    CHECK(RegexMemoFind("s", true, "s0") == true);
    CHECK(RegexMemoFind("s", true, "s1") == false);
    CHECK_FALSE(RegexMemoFind("s", true, "s99").has_value());
  }
}

}  // namespace
}  // namespace marquee::campaign
