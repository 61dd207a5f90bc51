// Conditions: operators and edge cases the GrowthBook conformance cases do
// not cover (RE2 limits, JavaScript coercions, throw cases, nesting limits),
// each checked on both the interpreted and the compiled form.
#include "marquee/campaign/condition.h"

#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "campaign/js_semantics_internal.h"
#include "campaign/value_test_support.h"

namespace marquee::campaign {
namespace {

using test::MustParse;

// The compiled tree is an implementation detail, not API.
template <typename T>
concept NamesNode = requires { typename T::Node; };
static_assert(!NamesNode<CompiledCondition>, "CompiledCondition::Node must stay private");

// Evaluates both forms, checks they agree, returns the answer.
bool Eval(std::string_view condition, std::string_view attributes,
          const SavedGroups& groups = {}) {
  Value c = MustParse(condition);
  Value a = MustParse(attributes);
  bool interpreted = EvalCondition(a, c, groups);
  absl::StatusOr<CompiledCondition> compiled = CompiledCondition::Compile(c);
  REQUIRE_MESSAGE(compiled.ok(), compiled.status().ToString());
  bool compiled_result = compiled->Evaluate(a, groups);
  CHECK_MESSAGE(interpreted == compiled_result, condition << " on " << attributes);
  return interpreted;
}

TEST_CASE("patterns RE2 cannot compile are false whether negated or not") {
  for (const char* pattern : {R"((a)\\1)", "(?=a)a", "(?<!b)a", "[", "a{2,1}", "(?P<n"}) {
    std::string p = pattern;
    CAPTURE(p);
    CHECK_FALSE(Eval(R"({"s":{"$regex":")" + p + R"("}})", R"({"s":"aa"})"));
    CHECK_FALSE(Eval(R"({"s":{"$notRegex":")" + p + R"("}})", R"({"s":"aa"})"));
    CHECK_FALSE(Eval(R"({"s":{"$regexi":")" + p + R"("}})", R"({"s":"aa"})"));
    CHECK_FALSE(Eval(R"({"s":{"$notRegexi":")" + p + R"("}})", R"({"s":"aa"})"));
  }
  // A pattern that is not a string is not a pattern.
  CHECK_FALSE(Eval(R"({"s":{"$regex":5}})", R"({"s":"5"})"));
  CHECK_FALSE(Eval(R"({"s":{"$notRegex":null}})", R"({"s":"x"})"));
}

TEST_CASE("regex operators test String(actual) as RegExp.test does") {
  CHECK(Eval(R"({"n":{"$regex":"^12"}})", R"({"n":123})"));
  CHECK(Eval(R"({"m":{"$regex":"^null$"}})", R"({})"));  // missing is null
  CHECK(Eval(R"({"t":{"$regex":"^a,b$"}})", R"({"t":["a","b"]})"));
  CHECK(Eval(R"({"s":{"$regexi":"^HELLO"}})", R"({"s":"hello world"})"));
  CHECK_FALSE(Eval(R"({"s":{"$regex":"^HELLO"}})", R"({"s":"hello world"})"));
  CHECK(Eval(R"({"s":{"$notRegex":"^x"}})", R"({"s":"hello"})"));
  CHECK_FALSE(Eval(R"({"s":{"$notRegexi":"^H"}})", R"({"s":"hello"})"));
  CHECK(Eval(R"({"u":{"$regex":"a/b"}})", R"({"u":"xa/by"})"));  // '/' needs no escape
}

TEST_CASE("pathological patterns run in linear time on RE2") {
  // On a backtracking engine these take longer than the age of the universe;
  // RE2 answers in microseconds. The test would hang, not fail, on a
  // regression, which ctest's timeout turns into a failure.
  std::string input(100000, 'a');
  input += "!";
  std::string attrs = R"({"s":")" + input + R"("})";
  CHECK_FALSE(Eval(R"({"s":{"$regex":"^(a+)+$"}})", attrs));
  CHECK_FALSE(Eval(R"({"s":{"$regex":"^(a|aa)*$"}})", attrs));
  CHECK_FALSE(Eval(R"({"s":{"$regex":"^(a*)*b"}})", attrs));
  CHECK(Eval(R"({"s":{"$notRegex":"^(a|a?)+$"}})", attrs));
}

TEST_CASE("conditions nest at most kMaxConditionDepth deep") {
  auto nested = [](uint32_t depth) {
    // {"$not":{"$not":...{"a":1}...}} has depth `depth`.
    std::string text = R"({"a":1})";
    for (uint32_t i = 1; i < depth; ++i) text = R"({"$not":)" + text + "}";
    return text;
  };
  Value ok = MustParse(nested(kMaxConditionDepth));
  CHECK(ok.depth() == kMaxConditionDepth);
  CHECK(CompiledCondition::Compile(ok).ok());
  Value attrs = MustParse(R"({"a":1})");
  const bool odd_nots = (kMaxConditionDepth - 1) % 2 == 1;
  CHECK(EvalCondition(attrs, ok) == !odd_nots);

  Value too_deep = MustParse(nested(kMaxConditionDepth + 1), {.max_depth = 128});
  absl::StatusOr<CompiledCondition> compiled = CompiledCondition::Compile(too_deep);
  CHECK(compiled.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(compiled.status().message()).find("limit") != std::string::npos);
  CHECK_FALSE(EvalCondition(attrs, too_deep));
  CHECK_FALSE(EvalCondition(attrs, MustParse(R"({"$not":{"a":2}})").At(0)));
}

TEST_CASE("a condition must be an object") {
  for (const char* text : {"null", "[]", "[{}]", "1", R"("a")", "true"}) {
    Value c = MustParse(text);
    CAPTURE(text);
    CHECK(CompiledCondition::Compile(c).status().code() == absl::StatusCode::kInvalidArgument);
    CHECK_FALSE(EvalCondition(MustParse("{}"), c));
  }
  CHECK(Eval("{}", R"({"a":1})"));
  CompiledCondition empty;
  CHECK(empty.Evaluate(MustParse(R"({"a":1})")));
  CHECK(empty.source().is_object());
}

TEST_CASE("where the JavaScript SDK throws the condition is false") {
  CHECK_FALSE(Eval(R"({"$or":null})", "{}"));
  CHECK_FALSE(Eval(R"({"$not":{"$or":null}})", "{}"));  // the throw is not negated
  CHECK_FALSE(Eval(R"({"$and":[null]})", "{}"));
  CHECK_FALSE(Eval(R"({"$nor":[null]})", "{}"));
  CHECK_FALSE(Eval(R"({"t":{"$elemMatch":null}})", R"({"t":[1]})"));
  CHECK_FALSE(Eval(R"({"$not":{"t":{"$elemMatch":null}}})", R"({"t":[1]})"));
  // Short-circuiting reaches no throw.
  CHECK(Eval(R"({"$or":[{},null]})", "{}"));
  CHECK_FALSE(Eval(R"({"a":1,"$or":null})", R"({"a":2})"));
  // $elemMatch on a non-array never looks at its argument.
  CHECK_FALSE(Eval(R"({"t":{"$elemMatch":null}})", R"({"t":1})"));
}

TEST_CASE("non-object sub-conditions behave as JavaScript's Object.entries sees them") {
  CHECK(Eval(R"({"$or":5})", "{}"));        // no length: `!conditions.length` is true
  CHECK(Eval(R"({"$and":true})", "{}"));
  CHECK(Eval(R"({"$or":[]})", "{}"));
  CHECK_FALSE(Eval(R"({"$nor":[]})", "{}"));
  CHECK(Eval(R"({"$not":7})", "{}") == false);  // entries of 7: none, so true, negated
  // An array condition keys its elements "0", "1", ...
  CHECK(Eval(R"({"$or":[["x"]]})", R"({"0":"x"})"));
  // A string condition keys its characters.
  CHECK(Eval(R"({"$and":["ab"]})", R"({"0":"a","1":"b"})"));
  CHECK_FALSE(Eval(R"({"$and":["ab"]})", R"({"0":"a","1":"c"})"));
  // $elemMatch with a plain value: the element is evaluated as an object.
  CHECK(Eval(R"({"t":{"$elemMatch":{"k":1}}})", R"({"t":[0,{"k":1}]})"));
}

TEST_CASE("literal comparisons coerce as JavaScript does") {
  CHECK(Eval(R"({"age":30})", R"({"age":"30"})"));
  CHECK(Eval(R"({"age":30})", R"({"age":" 0x1E "})"));
  CHECK(Eval(R"({"n":0})", R"({})"));  // null * 1 === 0
  CHECK(Eval(R"({"n":1})", R"({"n":true})"));
  CHECK(Eval(R"({"n":5})", R"({"n":[5]})"));
  CHECK_FALSE(Eval(R"({"n":5})", R"({"n":[5,6]})"));
  CHECK(Eval(R"({"s":"30"})", R"({"s":30})"));
  CHECK(Eval(R"({"s":"null"})", R"({})"));
  CHECK(Eval(R"({"s":"a,b"})", R"({"s":["a","b"]})"));
  CHECK(Eval(R"({"s":"[object Object]"})", R"({"s":{"x":1}})"));
  CHECK(Eval(R"({"s":"1e+21"})", R"({"s":1e21})"));
  CHECK(Eval(R"({"b":true})", R"({"b":"yes"})"));
  CHECK(Eval(R"({"b":false})", R"({"b":0})"));
  CHECK_FALSE(Eval(R"({"b":false})", R"({})"));  // null is never a boolean match
  CHECK(Eval(R"({"o":{"x":[1,{"y":2}]}})", R"({"o":{"x":[1,{"y":2}]}})"));
  CHECK_FALSE(Eval(R"({"o":{"x":1,"y":2}})", R"({"o":{"y":2,"x":1}})"));
}

TEST_CASE("comparison operators follow JavaScript's === and <") {
  CHECK_FALSE(Eval(R"({"n":{"$eq":"1"}})", R"({"n":1})"));
  CHECK_FALSE(Eval(R"({"a":{"$eq":[1]}})", R"({"a":[1]})"));  // arrays are never ===
  CHECK(Eval(R"({"a":{"$ne":[1]}})", R"({"a":[1]})"));
  CHECK(Eval(R"({"s":{"$lt":"abd"}})", R"({"s":"abc"})"));
  CHECK_FALSE(Eval(R"({"s":{"$lt":9}})", R"({"s":"10"})"));
  CHECK(Eval(R"({"s":{"$lt":"9"}})", R"({"s":"10"})"));  // two strings: text order
  CHECK(Eval(R"({"a":{"$gt":4}})", R"({"a":[5]})"));
  CHECK_FALSE(Eval(R"({"a":{"$gt":4}})", R"({"a":"x"})"));   // NaN
  CHECK_FALSE(Eval(R"({"a":{"$lte":4}})", R"({"a":"x"})"));  // NaN: <= is false too
  CHECK(Eval(R"({"m":{"$lte":0}})", R"({})"));                // null is 0
  CHECK(Eval(R"({"m":{"$gte":false}})", R"({})"));
  // UTF-16 order: U+1F600 (a surrogate pair) sorts below U+FFFD.
  CHECK(Eval(R"({"s":{"$lt":"\uFFFD"}})", R"({"s":"\uD83D\uDE00"})"));
}

TEST_CASE("membership operators") {
  CHECK(Eval(R"({"t":{"$in":["b","z"]}})", R"({"t":["a","b"]})"));
  CHECK_FALSE(Eval(R"({"t":{"$in":[["a"]]}})", R"({"t":["a"]})"));
  CHECK_FALSE(Eval(R"({"t":{"$in":[{"a":1}]}})", R"({"t":{"a":1}})"));
  CHECK(Eval(R"({"m":{"$in":[null]}})", R"({})"));
  CHECK(Eval(R"({"n":{"$in":[0]}})", R"({"n":-0})"));
  CHECK_FALSE(Eval(R"({"n":{"$in":"abc"}})", R"({"n":"a"})"));
  CHECK_FALSE(Eval(R"({"n":{"$nin":"abc"}})", R"({"n":"z"})"));
  CHECK(Eval(R"({"c":{"$ini":["école"]}})", R"({"c":"ÉCOLE"})"));
  CHECK(Eval(R"({"c":{"$ini":["привет"]}})", R"({"c":"ПРИВЕТ"})"));
  CHECK(Eval(R"({"c":{"$ini":[1]}})", R"({"c":1})"));
  CHECK_FALSE(Eval(R"({"c":{"$ini":["1"]}})", R"({"c":1})"));
  CHECK(Eval(R"({"t":{"$alli":["ÄB"]}})", R"({"t":["x","äb"]})"));
  CHECK_FALSE(Eval(R"({"t":{"$all":"ab"}})", R"({"t":["a","b"]})"));
  CHECK(Eval(R"({"t":{"$all":[]}})", R"({"t":[]})"));
  CHECK(Eval(R"({"t":{"$all":[{"$gt":2},"1"]}})", R"({"t":[1,3]})"));
  CHECK(Eval(R"({"t":{"$size":{"$gt":1}}})", R"({"t":[1,2]})"));
  CHECK(Eval(R"({"t":{"$size":"2"}})", R"({"t":[1,2]})"));
  CHECK_FALSE(Eval(R"({"t":{"$size":0}})", R"({"t":""})"));
}

TEST_CASE("saved groups") {
  absl::StatusOr<SavedGroups> groups =
      SavedGroupsFromValue(MustParse(R"({"g":["u1",2],"7":["seven"]})"));
  REQUIRE(groups.ok());
  CHECK(Eval(R"({"id":{"$inGroup":"g"}})", R"({"id":"u1"})", *groups));
  CHECK(Eval(R"({"id":{"$inGroup":"g"}})", R"({"id":["x",2]})", *groups));
  CHECK(Eval(R"({"id":{"$inGroup":7}})", R"({"id":"seven"})", *groups));  // String(7)
  CHECK_FALSE(Eval(R"({"id":{"$inGroup":"nope"}})", R"({"id":"u1"})", *groups));
  CHECK(Eval(R"({"id":{"$notInGroup":"nope"}})", R"({"id":"u1"})", *groups));
  CHECK_FALSE(Eval(R"({"id":{"$inGroup":"g"}})", R"({"id":"u1"})"));  // no groups given

  CHECK(SavedGroupsFromValue(MustParse("[]")).status().code() ==
        absl::StatusCode::kInvalidArgument);
  absl::StatusOr<SavedGroups> bad = SavedGroupsFromValue(MustParse(R"({"g":1})"));
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(bad.status().message()).find("'g'") != std::string::npos);
}

TEST_CASE("$type $exists $not and unknown operators") {
  CHECK(Eval(R"({"a":{"$type":"array"}})", R"({"a":[]})"));
  CHECK(Eval(R"({"a":{"$type":"null"}})", R"({})"));
  CHECK(Eval(R"({"a":{"$type":"boolean"}})", R"({"a":false})"));
  CHECK_FALSE(Eval(R"({"a":{"$type":1}})", R"({"a":1})"));
  CHECK(Eval(R"({"a":{"$exists":false}})", R"({"a":null})"));
  CHECK(Eval(R"({"a":{"$exists":"yes"}})", R"({"a":0})"));
  CHECK(Eval(R"({"a":{"$exists":0}})", R"({})"));
  CHECK_FALSE(Eval(R"({"a":{"$foo":1}})", R"({"a":1})"));
  CHECK(Eval(R"({"a":{"$not":{"$foo":1}}})", R"({"a":1})"));
  CHECK_FALSE(Eval(R"({"a":{"$gt":0,"$foo":1}})", R"({"a":1})"));
  // An object with a key not starting with '$' is a literal, compared whole.
  CHECK(Eval(R"({"a":{"$gt":0,"b":1}})", R"({"a":{"$gt":0,"b":1}})"));
  CHECK_FALSE(Eval(R"({"a":{"$gt":0,"b":1}})", R"({"a":5})"));
}

TEST_CASE("version operators and PaddedVersionString") {
  CHECK(PaddedVersionString("v1.2.3-rc.1+build7") == "    1-    2-    3-rc-    1");
  CHECK(PaddedVersionString("1.2.3") == "    1-    2-    3-~");
  CHECK(PaddedVersionString("123456.0") == "123456-    0");
  CHECK(PaddedVersionString(Value::Number(2.5)) == "    2-    5");
  CHECK(PaddedVersionString(Value()) == "    0");
  CHECK(PaddedVersionString(Value::String("")) == "    0");
  CHECK(PaddedVersionString(Value::Bool(true)) == "    0");
  // "\+.*$" cannot cross a line break: only the last line's '+' is cut.
  CHECK(PaddedVersionString("1+a\n2+b") == "1+a\n2");
  CHECK(Eval(R"({"v":{"$vgt":"1.0.0-beta"}})", R"({"v":"1.0.0"})"));
  CHECK(Eval(R"({"v":{"$veq":"1.2.3"}})", R"({"v":"v1.2.3+abc"})"));
  CHECK(Eval(R"({"v":{"$vlt":"1.10.0"}})", R"({"v":"1.9.9"})"));
  CHECK(Eval(R"({"v":{"$vgte":1.5}})", R"({"v":"1.5"})"));
  CHECK(Eval(R"({"v":{"$vlte":"0"}})", R"({})"));
  CHECK(Eval(R"({"v":{"$vne":"2.0.0"}})", R"({"v":"2.0.1"})"));
}

TEST_CASE("JavaScript number and string coercions") {
  using internal::JsNumberToString;
  using internal::JsStringToNumber;
  CHECK(JsNumberToString(0.1 + 0.2) == "0.30000000000000004");
  CHECK(JsNumberToString(-0.0) == "0");
  CHECK(JsNumberToString(1e-7) == "1e-7");
  CHECK(JsNumberToString(123e-20) == "1.23e-18");
  CHECK(JsNumberToString(1e20) == "100000000000000000000");
  CHECK(JsNumberToString(-1.5e21) == "-1.5e+21");
  CHECK(JsNumberToString(NAN) == "NaN");
  CHECK(JsNumberToString(-INFINITY) == "-Infinity");
  CHECK(JsStringToNumber(" \t12.5\n") == 12.5);
  CHECK(JsStringToNumber("") == 0);
  CHECK(JsStringToNumber("\xC2\xA0") == 0);  // NBSP is whitespace
  CHECK(JsStringToNumber("0b101") == 5);
  CHECK(JsStringToNumber("0o17") == 15);
  CHECK(JsStringToNumber("-Infinity") == -INFINITY);
  CHECK(JsStringToNumber(".5e1") == 5);
  CHECK(JsStringToNumber("5.") == 5);
  CHECK(std::isnan(JsStringToNumber("-0x10")));
  CHECK(std::isnan(JsStringToNumber("1e")));
  CHECK(std::isnan(JsStringToNumber("inf")));
  CHECK(std::isnan(JsStringToNumber("1,5")));
  CHECK(std::isnan(JsStringToNumber(".")));
  CHECK(JsStringToNumber("1e999") == INFINITY);
  CHECK(JsStringToNumber("0.0000e999") == 0);
  CHECK(internal::JsToLowerCase("ÀÉÎ ŸŁ İ ΑΣ Ж") == "àéî ÿł i\xCC\x87 ασ ж");
  CHECK(internal::JsStringLength("a\xF0\x9F\x98\x80") == 3);
}

TEST_CASE("a compiled condition is evaluated from many threads at once" *
          doctest::test_suite("concurrent")) {
  absl::StatusOr<CompiledCondition> compiled = CompiledCondition::Compile(MustParse(
      R"({"email":{"$regexi":"@EXAMPLE\\.com$"},"tags":{"$in":["vip","beta"]},"v":{"$vgte":"2.0.0"}})"));
  REQUIRE(compiled.ok());
  Value yes = MustParse(R"({"email":"a@example.com","tags":["beta"],"v":"2.1.0"})");
  Value no = MustParse(R"({"email":"a@example.org","tags":["beta"],"v":"2.1.0"})");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, copy = *compiled] {
      for (int i = 0; i < 2000; ++i) {
        if (!copy.Evaluate(yes) || compiled->Evaluate(no)) wrong.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(wrong.load() == 0);
}

}  // namespace
}  // namespace marquee::campaign
