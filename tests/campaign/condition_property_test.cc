// Property: on random conditions and attributes, the compiled form gives
// the interpreted form's answer. The generator is seeded (a failure prints
// the seed and the pair) and draws from operators, nested paths, arrays,
// versions, saved groups, JavaScript-coercion-prone scalars and a small set
// of regexes (some of which RE2 rejects).
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "campaign/clause_memo_internal.h"
#include "campaign/value_test_support.h"
#include "marquee/campaign/condition.h"

namespace marquee::campaign {
namespace {

using test::MustParse;

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  Value Attributes() {
    std::vector<Value::Member> members;
    for (const char* key : {"a", "b", "s", "n", "v", "tags"}) {
      if (Chance(70)) members.emplace_back(key, AttributeValue(2));
    }
    if (Chance(60)) {
      members.emplace_back("o", Value::Object({{"x", AttributeValue(1)},
                                               {"y", Value::Array({Scalar(), Scalar()})}}));
    }
    return Value::Object(std::move(members));
  }

  Value Condition(int depth) {
    std::vector<Value::Member> members;
    int n = 1 + Below(3);
    for (int i = 0; i < n; ++i) {
      int kind = depth > 0 ? Below(10) : 9;
      if (kind < 3) {
        static const char* kLogical[] = {"$and", "$or", "$nor"};
        members.emplace_back(kLogical[kind], ConditionList(depth - 1));
      } else if (kind == 3) {
        members.emplace_back("$not", Condition(depth - 1));
      } else {
        members.emplace_back(Pick(kPaths), ConditionValue(depth - 1));
      }
    }
    return Value::Object(std::move(members));
  }

  SavedGroups Groups() {
    return {{"g1", Value::Array({Value::String("a"), Value::Number(1), Value::String("1.2.3")})},
            {"g2", Value::Array({Value::Bool(true), Value()})}};
  }

 private:
  static constexpr const char* kPaths[] = {"a",   "b",   "s",     "n",     "v",       "tags",
                                           "tags.0", "tags.1", "o.x", "o.y.1", "missing", "o.x.k"};
  static constexpr const char* kStrings[] = {
      "",    "a",   "A",     "b",     "abc",    "ABC", "1",     "10",   "2.5",   " 3 ",
      "1.2.3", "v1.2.0", "1.10.0-beta", "1.2.3+build", "0x10", "true", "null", "é", "É", "a,b",
      "me@x.com", "a$", "a b"};
  static constexpr double kNumbers[] = {0, 1, 2, 3, 2.5, -1, 10, 100, 1.5, -0.0};
  static constexpr const char* kPatterns[] = {"^a",  "b$",   "A",     "^[0-9]+$", "1\\.2",
                                              "(a)\\1", "[", ".*", "^$",       "é",
                                              "(?=a)", "^(a|b)+$",
                                              // plain literals, which the compiled form
                                              // matches without RE2
                                              "@x\\.com$", "\\$$", "a\\$", "a b", "^abc$", "B"};
  static constexpr const char* kOperators[] = {
      "$eq",  "$ne",   "$lt",   "$lte",  "$gt",   "$gte",      "$in",     "$nin",
      "$ini", "$nini", "$all",  "$alli", "$size", "$elemMatch", "$exists", "$type",
      "$not", "$regex", "$regexi", "$notRegex", "$notRegexi", "$veq", "$vne", "$vgt",
      "$vgte", "$vlt", "$vlte", "$inGroup", "$notInGroup", "$foo"};
  static constexpr const char* kTypes[] = {"string", "number", "boolean", "array",
                                           "object", "null",   "undefined"};

  int Below(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  bool Chance(int percent) { return Below(100) < percent; }
  template <typename T, size_t N>
  T Pick(const T (&items)[N]) {
    return items[Below(static_cast<int>(N))];
  }

  Value Scalar() {
    switch (Below(6)) {
      case 0: return Value();
      case 1: return Value::Bool(Chance(50));
      case 2: case 3: return Value::Number(Pick(kNumbers));
      default: return Value::String(Pick(kStrings));
    }
  }

  Value AttributeValue(int depth) {
    int kind = depth > 0 ? Below(10) : 0;
    if (kind < 6) return Scalar();
    if (kind < 9) {
      std::vector<Value> elements;
      for (int i = Below(4); i > 0; --i) elements.push_back(AttributeValue(depth - 1));
      return Value::Array(std::move(elements));
    }
    return Value::Object({{"k", AttributeValue(depth - 1)}, {"x", Scalar()}});
  }

  Value ScalarList() {
    std::vector<Value> elements;
    // Now and then longer than the compiled form's linear-scan threshold (8).
    for (int i = Chance(25) ? Below(21) : Below(5); i > 0; --i) elements.push_back(Scalar());
    return Value::Array(std::move(elements));
  }

  Value ConditionList(int depth) {
    if (Chance(5)) return Chance(50) ? Value() : Scalar();  // what JavaScript would trip on
    std::vector<Value> elements;
    for (int i = Below(4); i > 0; --i) elements.push_back(Condition(depth));
    return Value::Array(std::move(elements));
  }

  Value Operand(const std::string& op, int depth) {
    if (Chance(8)) return Scalar();  // the wrong type now and then
    if (op == "$in" || op == "$nin" || op == "$ini" || op == "$nini") return ScalarList();
    if (op == "$all" || op == "$alli") {
      std::vector<Value> elements;
      for (int i = Below(3); i > 0; --i) {
        elements.push_back(depth > 0 && Chance(30) ? ConditionValue(depth - 1) : Scalar());
      }
      return Value::Array(std::move(elements));
    }
    if (op.find("egex") != std::string::npos) return Value::String(Pick(kPatterns));
    if (op[1] == 'v') {  // $veq ... $vlte: versions as strings or numbers
      return Chance(80) ? Value::String(Pick(kStrings)) : Value::Number(Pick(kNumbers));
    }
    if (op == "$type") return Value::String(Pick(kTypes));
    if (op == "$exists") return Chance(70) ? Value::Bool(Chance(50)) : Scalar();
    if (op == "$inGroup" || op == "$notInGroup") {
      static const char* kGroups[] = {"g1", "g2", "nope"};
      return Chance(80) ? Value::String(Pick(kGroups)) : Value::Number(1);
    }
    if (op == "$size") return depth > 0 && Chance(40) ? ConditionValue(depth - 1) : Value::Number(Below(3));
    if (op == "$elemMatch") {
      if (Chance(5)) return Value();
      return depth > 0 && Chance(50) ? Condition(depth - 1) : ConditionValue(depth > 0 ? depth - 1 : 0);
    }
    if (op == "$not") return depth > 0 ? ConditionValue(depth - 1) : Scalar();
    return Chance(85) ? Scalar() : ScalarList();
  }

  Value ConditionValue(int depth) {
    int kind = Below(20);
    if (kind < 7) return Scalar();
    if (kind < 18) {
      std::vector<Value::Member> ops;
      for (int i = 1 + Below(2); i > 0; --i) {
        std::string op = Pick(kOperators);
        Value operand = Operand(op, depth);
        ops.emplace_back(std::move(op), std::move(operand));
      }
      return Value::Object(std::move(ops));
    }
    if (kind == 18) return ScalarList();
    return Value::Object({{"k", Scalar()}, {"x", Scalar()}});
  }

  std::mt19937_64 rng_;
};

TEST_CASE("compiled and interpreted conditions agree on random pairs") {
  constexpr uint64_t kSeed = 20260530;
  constexpr int kPairs = 4000;
  Generator gen(kSeed);
  SavedGroups groups = gen.Groups();
  int matched = 0;
  for (int i = 0; i < kPairs; ++i) {
    Value condition = gen.Condition(3);
    Value attributes = gen.Attributes();
    absl::StatusOr<CompiledCondition> compiled = CompiledCondition::Compile(condition);
    REQUIRE_MESSAGE(compiled.ok(), compiled.status().ToString());
    bool interpreted = EvalCondition(attributes, condition, groups);
    bool compiled_result = compiled->Evaluate(attributes, groups);
    REQUIRE_MESSAGE(interpreted == compiled_result,
                    "seed " << kSeed << " pair " << i << ": condition "
                            << condition.ToJsonText() << " attributes "
                            << attributes.ToJsonText() << " interpreted " << interpreted);
    // Written out as JSON and read back, the pair means the same.
    Value condition_again = MustParse(condition.ToJsonText());
    Value attributes_again = MustParse(attributes.ToJsonText());
    REQUIRE(EvalCondition(attributes_again, condition_again, groups) == interpreted);
    if (interpreted) ++matched;
  }
  MESSAGE(matched << " of " << kPairs << " random conditions matched");
  // Both answers are common, so agreement is not agreement on "false".
  CHECK(matched > kPairs / 20);
  CHECK(matched < kPairs - kPairs / 20);
}

TEST_CASE("a literal and $eq agree on scalars of the same type") {
  // For strings and numbers, {"p": x} and {"p": {"$eq": x}} differ only by
  // coercion: same-typed scalars must give the same answer in both.
  for (const char* text : {"\"a\"", "\"\"", "1", "2.5", "-1", "\"1.2.3\""}) {
    Value x = MustParse(text);
    for (const char* other : {"\"a\"", "\"\"", "1", "2.5", "-1", "\"1.2.3\""}) {
      Value y = MustParse(other);
      if (x.type() != y.type()) continue;
      Value attrs = Value::Object({{"p", y}});
      bool literal = EvalCondition(attrs, Value::Object({{"p", x}}));
      bool eq = EvalCondition(attrs, Value::Object({{"p", Value::Object({{"$eq", x}})}}));
      CHECK_MESSAGE(literal == eq, text << " vs " << other);
      CHECK(literal == (x == y));
    }
  }
}

TEST_CASE("conditions answered through the clause memo agree with the interpreter") {
  // Many random conditions against one attributes object, in one memo
  // scope, as Decide evaluates campaigns: the generator's few paths and
  // operands make clauses repeat, so answers come from the memo.
  constexpr uint64_t kSeed = 20261130;
  constexpr int kRounds = 200;
  constexpr int kConditions = 40;
  Generator gen(kSeed);
  SavedGroups groups = gen.Groups();
  for (int round = 0; round < kRounds; ++round) {
    const Value attributes = gen.Attributes();
    std::vector<Value> conditions;
    std::vector<CompiledCondition> compiled;
    for (int i = 0; i < kConditions; ++i) {
      conditions.push_back(gen.Condition(3));
      internal::ScopedClauseInterning interning;
      absl::StatusOr<CompiledCondition> c = CompiledCondition::Compile(conditions.back());
      REQUIRE_MESSAGE(c.ok(), c.status().ToString());
      compiled.push_back(*std::move(c));
    }
    internal::ScopedClauseMemo memo(attributes);
    for (int pass = 0; pass < 2; ++pass) {
      for (int i = 0; i < kConditions; ++i) {
        const bool interpreted = EvalCondition(attributes, conditions[i], groups);
        REQUIRE_MESSAGE(compiled[i].Evaluate(attributes, groups) == interpreted,
                        "seed " << kSeed << " round " << round << " condition "
                                << conditions[i].ToJsonText() << " attributes "
                                << attributes.ToJsonText() << " interpreted " << interpreted);
      }
    }
  }
}

}  // namespace
}  // namespace marquee::campaign
