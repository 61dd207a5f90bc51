// The clause memo (src/campaign/clause_memo_internal.h): shared clauses get
// one slot, and answers from the memo equal the interpreted evaluation,
// whatever the order, also for clauses nested in $elemMatch (evaluated
// against an element, not the attributes) and for clauses that throw.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "campaign/clause_memo_internal.h"
#include "marquee/campaign/condition.h"
#include "campaign/value_test_support.h"

namespace marquee::campaign {
namespace {

using internal::InternClause;
using internal::ScopedClauseInterning;
using internal::ScopedClauseMemo;
using test::MustParse;

CompiledCondition CompileInterned(const std::string& text) {
  ScopedClauseInterning interning;
  absl::StatusOr<CompiledCondition> c = CompiledCondition::Compile(MustParse(text));
  REQUIRE_MESSAGE(c.ok(), c.status().ToString());
  return *std::move(c);
}

// Evaluates every condition in one memo scope, in the given order, and
// checks each answer against EvalCondition.
void CheckInOrder(const std::vector<std::string>& conditions, const std::vector<size_t>& order,
                  const Value& attributes) {
  std::vector<CompiledCondition> compiled;
  for (const std::string& c : conditions) compiled.push_back(CompileInterned(c));
  ScopedClauseMemo memo(attributes);
  for (size_t i : order) {
    CAPTURE(conditions[i]);
    CHECK(compiled[i].Evaluate(attributes) == EvalCondition(attributes, MustParse(conditions[i])));
  }
}

TEST_SUITE("campaign.clause_memo") {
  TEST_CASE("equal clauses share a slot, others, and group clauses, do not") {
    CHECK(InternClause("country", MustParse(R"({"$in":["FR"]})")) == -1);  // no scope
    ScopedClauseInterning interning;
    const int32_t a = InternClause("country", MustParse(R"({"$in":["FR","BE"]})"));
    CHECK(a >= 0);
    CHECK(InternClause("country", MustParse(R"({"$in":["FR","BE"]})")) == a);
    CHECK(InternClause("country", MustParse(R"({"$in":["BE","FR"]})")) != a);
    CHECK(InternClause("region", MustParse(R"({"$in":["FR","BE"]})")) != a);
    CHECK(InternClause("id", MustParse(R"({"$inGroup":"vip"})")) == -1);
    CHECK(InternClause("id", MustParse(R"({"$not":{"$notInGroup":"vip"}})")) == -1);
    CHECK(InternClause("k", Value::String(std::string(internal::kMaxClauseKeyBytes, 'x'))) == -1);
  }

  TEST_CASE("shared clauses answer as interpreted in either order") {
    const std::vector<std::string> conditions = {
        R"({"country":{"$in":["FR","BE"]},"age":{"$gte":18}})",
        R"({"age":{"$gte":18},"device":"mobile"})",
        R"({"$or":[{"device":"mobile"},{"country":{"$in":["FR","BE"]}}]})",
        R"({"$not":{"age":{"$gte":18}}})",
        R"({"ua":{"$regex":"Chrome/1[0-9]{2}"},"country":{"$in":["FR","BE"]}})"};
    const Value attributes =
        MustParse(R"({"country":"BE","age":17,"device":"mobile","ua":"Chrome/120"})");
    CheckInOrder(conditions, {0, 1, 2, 3, 4}, attributes);
    CheckInOrder(conditions, {4, 3, 2, 1, 0}, attributes);
    CheckInOrder(conditions, {2, 0, 4, 1, 3, 0, 2}, attributes);
  }

  TEST_CASE("a clause inside $elemMatch never takes the answer for the attributes") {
    // {"x":1} is false for the attributes and true for the array's element.
    const std::vector<std::string> conditions = {R"({"x":1})", R"({"a":{"$elemMatch":{"x":1}}})"};
    const Value attributes = MustParse(R"({"x":2,"a":[{"x":1}]})");
    CheckInOrder(conditions, {0, 1}, attributes);
    CheckInOrder(conditions, {1, 0}, attributes);
    CHECK(EvalCondition(attributes, MustParse(conditions[1])));
  }

  TEST_CASE("a clause that throws still makes its condition false from the memo") {
    const std::vector<std::string> conditions = {
        R"({"a":{"$elemMatch":null}})", R"({"$or":[{"a":{"$elemMatch":null}},{"b":1}]})",
        R"({"b":1})"};
    const Value attributes = MustParse(R"({"a":[1],"b":1})");
    CheckInOrder(conditions, {0, 1, 2}, attributes);
    CheckInOrder(conditions, {2, 1, 0}, attributes);
  }

  TEST_CASE("another attributes object is not answered from the memo") {
    const CompiledCondition c = CompileInterned(R"({"plan":"pro"})");
    const Value first = MustParse(R"({"plan":"pro"})");
    const Value second = MustParse(R"({"plan":"free"})");
    ScopedClauseMemo memo(first);
    CHECK(c.Evaluate(first));
    CHECK_FALSE(c.Evaluate(second));
    CHECK(c.Evaluate(first));
  }

  TEST_CASE("a new scope forgets the previous one's answers") {
    const CompiledCondition c = CompileInterned(R"({"plan":"pro"})");
    for (const char* plan : {"pro", "free", "pro", "free"}) {
      // A fresh object each round, possibly at the same address.
      const Value attributes = MustParse(std::string(R"({"plan":")") + plan + "\"}");
      ScopedClauseMemo memo(attributes);
      CHECK(c.Evaluate(attributes) == (std::string(plan) == "pro"));
    }
  }
}

}  // namespace
}  // namespace marquee::campaign
