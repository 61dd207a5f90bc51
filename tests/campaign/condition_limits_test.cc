// Hostile conditions and feature definitions: RE2's memory budget, the
// limits on regular expressions per condition and per FeatureSet, string
// operands of the logical operators, large $in lists and saved groups, and
// many distinct hash attributes. Each bounds a cost that valid definitions
// never reach, and none changes the answer for a valid input.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/campaign/condition.h"
#include "marquee/campaign/features.h"
#include "campaign/feature_set_internal.h"
#include "campaign/value_test_support.h"

namespace marquee::campaign {
namespace {

using test::MustParse;


// Both forms, which must agree.
bool Eval(const Value& attributes, const Value& condition, const SavedGroups& groups = {}) {
  absl::StatusOr<CompiledCondition> compiled = CompiledCondition::Compile(condition);
  REQUIRE_MESSAGE(compiled.ok(), compiled.status().ToString());
  bool interpreted = EvalCondition(attributes, condition, groups);
  CHECK(compiled->Evaluate(attributes, groups) == interpreted);
  return interpreted;
}

double SecondsOf(const auto& fn) {
  auto start = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// {"$and": [{"s": {op: pattern_0}}, ...]}.
Value RegexConjunction(const std::vector<std::string>& patterns, std::string_view op = "$regex") {
  std::vector<Value> items;
  for (const std::string& p : patterns) {
    items.push_back(Value::Object(
        {{"s", Value::Object({{std::string(op), Value::String(p)}})}}));
  }
  return Value::Object({{"$and", Value::Array(std::move(items))}});
}

TEST_CASE("a pattern over RE2's memory budget evaluates as an invalid pattern") {
  // JavaScript's "." excludes four line terminators, so .{1000} is a large
  // RE2 program: it compiles under RE2's default 8 MiB and matches, but does
  // not fit the budget, so it is invalid: false, negated or not.
  Value letters = Value::Object({{"s", Value::String(std::string(1000, 'a'))}});
  CHECK_FALSE(Eval(letters, MustParse(R"({"s": {"$regex": ".{1000}"}})")));
  CHECK_FALSE(Eval(letters, MustParse(R"({"s": {"$notRegex": ".{1000}"}})")));
  CHECK_FALSE(Eval(Value::Object({{"s", Value::String("1")}}),
                   MustParse(R"({"s": {"$notRegex": ".{1000}"}})")));
  // Modest repetitions are well within the budget and still match.
  CHECK(Eval(letters, MustParse(R"({"s": {"$regex": "^\\w{10}"}})")));
  CHECK(Eval(letters, MustParse(R"({"s": {"$regex": "^[^\\n]{1000}$"}})")));
  CHECK(Eval(letters, MustParse(R"({"s": {"$regex": "^[a-z0-9._%+-]{1,1000}$"}})")));
  // So do long alternations of literals, the usual large pattern.
  std::string domains = "^(";
  for (int i = 0; i < 1000; ++i) {
    absl::StrAppend(&domains, i == 0 ? "" : "|", "domain", i, "\\.com");
  }
  Value domain = Value::Object({{"s", Value::String("domain999.com")}});
  Value pattern = Value::String(domains + ")$");
  CHECK(Eval(domain, Value::Object({{"s", Value::Object({{"$regex", pattern}})}})));
  // The most a condition can ask of RE2 is bounded: each of these took up
  // to a fifth of a second under RE2's default budget.
  std::vector<std::string> heavy;
  for (size_t i = 0; i < kMaxConditionRegexes; ++i) {
    heavy.push_back(absl::StrCat(".{", 1000 - i, "}"));
  }
  double seconds = SecondsOf([&] {
    CHECK(CompiledCondition::Compile(RegexConjunction(heavy)).ok());
  });
  CHECK(seconds < 2.0);
}

TEST_CASE("a condition holds at most kMaxConditionRegexes distinct patterns") {
  std::vector<std::string> patterns;
  for (size_t i = 0; i < kMaxConditionRegexes; ++i) patterns.push_back(absl::StrCat("^p", i));
  CHECK(CompiledCondition::Compile(RegexConjunction(patterns)).ok());
  patterns.push_back("one too many");
  absl::StatusOr<CompiledCondition> over = CompiledCondition::Compile(RegexConjunction(patterns));
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(over.status().message()).find(absl::StrCat(kMaxConditionRegexes)) !=
        std::string::npos);
  // A pattern repeated, and the same pattern case-insensitively, count once.
  std::vector<std::string> same(5000, "^same$");
  CHECK(CompiledCondition::Compile(RegexConjunction(same)).ok());
  CHECK(CompiledCondition::Compile(RegexConjunction(same, "$regexi")).ok());
}

TEST_CASE("a condition holds at most kMaxConditionRegexBytes of patterns") {
  std::vector<std::string> patterns;
  for (size_t bytes = 0; bytes <= kMaxConditionRegexBytes; bytes += 15000) {
    patterns.push_back(absl::StrCat(patterns.size(), std::string(15000 - 8, 'x')));
  }
  absl::StatusOr<CompiledCondition> over = CompiledCondition::Compile(RegexConjunction(patterns));
  REQUIRE_FALSE(over.ok());
  CHECK(std::string(over.status().message()).find("bytes") != std::string::npos);
}

// A feature set of `features` features, each with a condition of `per`
// patterns; `distinct`: the patterns differ between features.
std::string RegexFeatures(size_t features, size_t per, bool distinct) {
  std::string json = "{";
  for (size_t f = 0; f < features; ++f) {
    std::vector<std::string> patterns;
    for (size_t i = 0; i < per; ++i) {
      patterns.push_back(distinct ? absl::StrCat("^f", f, "p", i) : absl::StrCat("^p", i));
    }
    absl::StrAppend(&json, f == 0 ? "" : ",", "\"f", f,
                    "\": {\"defaultValue\": 1, \"rules\": [{\"force\": 2, \"condition\": ",
                    RegexConjunction(patterns).ToJsonText(), "}]}");
  }
  return json + "}";
}

TEST_CASE("a feature set holds at most kMaxFeatureSetRegexes distinct patterns") {
  size_t per = 50;
  size_t features = kMaxFeatureSetRegexes / per + 1;
  absl::StatusOr<FeatureSet> shared = FeatureSet::Parse(RegexFeatures(features, per, false));
  CHECK_MESSAGE(shared.ok(), shared.status().ToString());
  absl::StatusOr<FeatureSet> over = FeatureSet::Parse(RegexFeatures(features, per, true));
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(over.status().message()).find("feature set") != std::string::npos);
  CHECK(std::string(over.status().message()).find(absl::StrCat(kMaxFeatureSetRegexes)) !=
        std::string::npos);
}

TEST_CASE("logical operators over a string see its UTF-16 units") {
  // {"$or": "abc"} is $or over {"0": "a"}, {"0": "b"}, {"0": "c"}.
  CHECK(Eval(MustParse(R"({"0": "b"})"), MustParse(R"({"$or": "abc"})")));
  CHECK_FALSE(Eval(MustParse(R"({"0": "d"})"), MustParse(R"({"$or": "abc"})")));
  CHECK(Eval(MustParse(R"({"0": "d"})"), MustParse(R"({"$or": ""})")));
  CHECK_FALSE(Eval(MustParse(R"({"0": "b"})"), MustParse(R"({"$nor": "abc"})")));
  CHECK(Eval(MustParse(R"({"0": "a"})"), MustParse(R"({"$and": "aa"})")));
  CHECK_FALSE(Eval(MustParse(R"({"0": "a"})"), MustParse(R"({"$and": "ab"})")));
  CHECK(Eval(MustParse(R"({"0": 1})"), MustParse(R"({"$or": "x1"})")));  // String(1) == "1"
  // {"$not": "ab"} is not {"0": "a", "1": "b"}.
  CHECK_FALSE(Eval(MustParse(R"({"0": "a", "1": "b"})"), MustParse(R"({"$not": "ab"})")));
  CHECK(Eval(MustParse(R"({"0": "a", "1": "c"})"), MustParse(R"({"$not": "ab"})")));
  // An astral character is two units, neither equal to any valid string.
  CHECK_FALSE(Eval(MustParse(R"({"0": "😀"})"), MustParse(R"({"$or": "😀"})")));
  CHECK(Eval(MustParse(R"({"x": ["a", {"0": "q", "1": "r"}]})"),
             MustParse(R"({"x": {"$elemMatch": "qr"}})")));
  CHECK_FALSE(Eval(MustParse(R"({"x": ["a", {"0": "q", "1": "s"}]})"),
                   MustParse(R"({"x": {"$elemMatch": "qr"}})")));
  CHECK(Eval(MustParse(R"({"0": "c"})"), MustParse(R"({"$or": ["ab", "c"]})")));
}

// n distinct strings "v0" ... as a JSON array.
Value StringList(size_t n, std::string_view prefix) {
  std::vector<Value> items;
  for (size_t i = 0; i < n; ++i) items.push_back(Value::String(absl::StrCat(std::string(prefix), i)));
  return Value::Array(std::move(items));
}

TEST_CASE("$in and $inGroup of a long array against a long list are not quadratic") {
  // 20,000 x 20,000 compared pairwise took seconds; hashed, it costs about
  // as much as building the lists (the baseline, so slow builds such as
  // sanitizers scale both).
  constexpr size_t kN = 20000;
  Value attributes, miss_list;
  double baseline = SecondsOf([&] {
    attributes = Value::Object({{"tags", StringList(kN, "a")}});
    miss_list = StringList(kN, "b");
  });
  Value condition = Value::Object({{"tags", Value::Object({{"$in", miss_list}})}});
  SavedGroups groups{{"big", miss_list}};
  Value in_group = MustParse(R"({"tags": {"$inGroup": "big"}})");
  double seconds = SecondsOf([&] {
    CHECK_FALSE(Eval(attributes, condition));
    CHECK_FALSE(Eval(attributes, in_group, groups));
    // A saved group is hashed once, not on every evaluation.
    absl::StatusOr<CompiledCondition> compiled = CompiledCondition::Compile(in_group);
    REQUIRE(compiled.ok());
    for (int i = 0; i < 20; ++i) CHECK_FALSE(compiled->Evaluate(attributes, groups));
  });
  CAPTURE(baseline);
  CHECK(seconds < 50 * baseline + 0.1);
  // Hits are still found, in both forms.
  Value hit = Value::Object({{"tags", Value::Array({Value::String("zz"), Value::String("b7")})}});
  CHECK(Eval(hit, condition));
  CHECK(Eval(hit, in_group, groups));
  CHECK_FALSE(Eval(hit, MustParse(R"({"tags": {"$notInGroup": "big"}})"), groups));
}

// Experiment rules hashing on `distinct` different attributes (else all on
// one): sticky attributes are collected in first-seen order, once each.
FeatureSet HashAttributeRules(size_t rules, bool distinct) {
  std::map<std::string, FeatureDefinition> defs;
  for (size_t i = 0; i < rules; ++i) {
    FeatureRule rule;
    rule.variations = std::vector<Value>{Value::Number(0), Value::Number(1)};
    rule.hash_attribute = distinct ? absl::StrCat("attribute", i) : "attribute";
    defs[absl::StrCat("f", i)].rules = std::vector<FeatureRule>{rule};
  }
  return FeatureSet::FromDefinitions(std::move(defs));
}

TEST_CASE("many distinct hash attributes compile in linear time") {
  static constexpr size_t kRules = 30000;
  double same = SecondsOf([] {
    CHECK(internal::CompiledOf(HashAttributeRules(kRules, false)).sticky_attributes.size() == 1);
  });
  double distinct = SecondsOf([] {
    FeatureSet set = HashAttributeRules(kRules, true);
    CHECK(internal::CompiledOf(set).sticky_attributes.size() == kRules);
  });
  // A linear search per rule made this quadratic: seconds against a
  // fraction of one.
  CHECK(distinct < 2 * same + 0.1);
}

}  // namespace
}  // namespace marquee::campaign
