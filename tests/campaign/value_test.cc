// marquee::campaign::Value: reading JSON, accessors, paths, equality,
// writing back.
#include "marquee/campaign/value.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <string_view>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/value_test_support.h"

namespace marquee::campaign {
namespace {

using test::MustParse;

// The shared payload is an implementation detail, not API.
template <typename T>
concept NamesRep = requires { typename T::Rep; };
static_assert(!NamesRep<Value>, "Value::Rep must stay private");

// `depth` arrays nested around 7: "[[7]]" for depth 2.
std::string NestedArrays(uint32_t depth) {
  return std::string(depth, '[') + "7" + std::string(depth, ']');
}

bool Contains(const absl::Status& status, std::string_view text) {
  return std::string(status.message()).find(text) != std::string::npos;
}

std::vector<std::string> Keys(const Value& v) {
  std::vector<std::string> keys;
  for (const Value::Member& m : v.members()) keys.push_back(m.first);
  return keys;
}

TEST_CASE("scalars and their accessors") {
  CHECK(MustParse("null").is_null());
  CHECK(MustParse("true").as_bool());
  CHECK(MustParse("-2.5").as_number() == -2.5);
  CHECK(MustParse(R"("h\u00e9\n")").as_string() == "h\xC3\xA9\n");
  Value n = MustParse("7");
  CHECK(n.type() == ValueType::kNumber);
  CHECK(ValueTypeName(n.type()) == "number");
  // Accessors of another type give the zero value, never crash.
  CHECK(n.as_string().empty());
  CHECK_FALSE(n.as_bool());
  CHECK(n.size() == 0);
  CHECK(n.At(0).is_null());
  CHECK(n.Find("x") == nullptr);
  CHECK(MustParse(R"("s")").as_number() == 0);
}

TEST_CASE("arrays and objects") {
  Value v = MustParse(R"({"a":[1,"two",null,{"b":false}],"c":{}})");
  REQUIRE(v.is_object());
  CHECK(v.size() == 2);
  const Value* a = v.Find("a");
  REQUIRE(a != nullptr);
  CHECK(a->size() == 4);
  CHECK(a->At(1).as_string() == "two");
  CHECK(a->At(2).is_null());
  CHECK(a->At(3).Find("b")->is_bool());
  CHECK(a->At(99).is_null());
  CHECK(v.Find("c")->is_object());
  CHECK(v.Find("c")->size() == 0);
  CHECK(v.depth() == 3);
  CHECK(MustParse("[]").depth() == 1);
  CHECK(MustParse("1").depth() == 0);
}

TEST_CASE("object members follow JSON.parse order: index keys first and a repeated key keeps its first place") {
  Value v = MustParse(R"({"b":1,"10":2,"a":3,"2":4,"b":5,"01":6})");
  CHECK(Keys(v) == std::vector<std::string>{"2", "10", "b", "a", "01"});
  CHECK(v.Find("b")->as_number() == 5);  // last value wins
  CHECK(v.ToJsonText() == R"({"2":4,"10":2,"b":5,"a":3,"01":6})");
}

TEST_CASE("large objects are looked up through their index") {
  std::vector<Value::Member> members;
  for (int i = 0; i < 100; ++i) {
    members.emplace_back("key" + std::to_string(i), Value::Number(i));
  }
  members.emplace_back("key7", Value::String("again"));
  Value v = Value::Object(std::move(members));
  CHECK(v.size() == 100);
  CHECK(v.Find("key99")->as_number() == 99);
  CHECK(v.Find("key7")->as_string() == "again");
  CHECK(v.members()[7].first == "key7");
  CHECK(v.Find("key100") == nullptr);
}

TEST_CASE("GetPath follows objects and canonical array indexes") {
  Value v = MustParse(R"({"user":{"address":{"city":"Oslo"},"tags":["a","b"]},"n":null,"":{"":1}})");
  CHECK(v.GetPath("user.address.city")->as_string() == "Oslo");
  CHECK(v.GetPath("user.tags.1")->as_string() == "b");
  CHECK(v.GetPath("user.tags.01") == nullptr);
  CHECK(v.GetPath("user.tags.2") == nullptr);
  CHECK(v.GetPath("user.address.city.length") == nullptr);  // strings have no members
  CHECK(v.GetPath("user.missing.x") == nullptr);
  CHECK(v.GetPath("n")->is_null());
  CHECK(v.GetPath("n.x") == nullptr);
  CHECK(v.GetPath("")->is_object());
  CHECK(v.GetPath(".")->as_number() == 1);
}

TEST_CASE("equality is JSON.stringify equality") {
  CHECK(MustParse(R"({"a":[1,2],"b":"x"})") == MustParse(R"({"a":[1.0,2e0],"b":"x"})"));
  CHECK_FALSE(MustParse(R"({"a":1,"b":2})") == MustParse(R"({"b":2,"a":1})"));
  CHECK(MustParse("0") == MustParse("-0"));
  CHECK_FALSE(MustParse("1") == MustParse(R"("1")"));
  CHECK_FALSE(MustParse("[1]") == MustParse("[1,1]"));
  CHECK(MustParse("null") == Value::Number(NAN));  // stringify writes NaN as null
  CHECK_FALSE(MustParse("true") == MustParse("1"));
}

TEST_CASE("copies share strings and arrays and objects") {
  Value v = MustParse(R"([{"k":"a long enough string value"}])");
  Value copy = v;
  CHECK(copy.elements().data() == v.elements().data());
  CHECK(copy == v);
}

TEST_CASE("ToJsonText writes numbers and strings as JSON.stringify does") {
  CHECK(MustParse("[1,0.5,-3,1e21,1e-7,123456789012345678901,0.000001,1.5e300]").ToJsonText() ==
        "[1,0.5,-3,1e+21,1e-7,123456789012345680000,0.000001,1.5e+300]");
  CHECK(MustParse("1e400").as_number() == INFINITY);
  CHECK(MustParse("-1e400").ToJsonText() == "null");
  CHECK(MustParse("1e-400").as_number() == 0);
  CHECK(MustParse(R"("q\"b\\s/\t\u0001é")").ToJsonText() == R"("q\"b\\s/\t\u0001é")");
  Value round = MustParse(R"({"a":[true,false,null,{"b":"c"}],"d":-0.25})");
  absl::StatusOr<Json> json = round.ToJson();
  REQUIRE(json.ok());
  CHECK(json->text() == R"({"a":[true,false,null,{"b":"c"}],"d":-0.25})");
  CHECK(MustParse(json->text()) == round);
}

TEST_CASE("a hand-built string that is not UTF-8 cannot become Json") {
  Value bad = Value::Array({Value::String("\xFF")});
  CHECK(bad.ToJson().status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("limits on input from outside") {
  std::string deep(65, '[');
  deep += std::string(65, ']');
  absl::StatusOr<Value> too_deep = Value::Parse(deep);
  CHECK(too_deep.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Value::Parse(deep, {.max_depth = 65}).ok());

  absl::StatusOr<Json> json = Json::Parse(deep, {.max_depth = 100});
  REQUIRE(json.ok());
  absl::StatusOr<Value> from_json = Value::FromJson(*json, {.max_depth = 64});
  CHECK(from_json.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(from_json.status().message()).find("64") != std::string::npos);

  CHECK(Value::Parse(R"(["abcdef"])", {.max_bytes = 4}).status().code() ==
        absl::StatusCode::kOutOfRange);
  CHECK(Value::FromJson(*json, {.max_bytes = 4}).status().code() ==
        absl::StatusCode::kOutOfRange);
  CHECK(Value::Parse(R"({"a":})").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Value::Parse("").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a depth error names the limit and the path where it was exceeded") {
  absl::StatusOr<Json> json = Json::Parse(R"({"a":[1,{"b":2}]})");
  REQUIRE(json.ok());
  absl::Status status = Value::FromJson(*json, {.max_depth = 2}).status();
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK_MESSAGE(Contains(status, "at $.a[1] exceeds the depth limit of 2"), status);
  CHECK(Value::FromJson(*json, {.max_depth = 3}).ok());

  json = Json::Parse(R"({"x y":[[0]]})");
  REQUIRE(json.ok());
  status = Value::FromJson(*json, {.max_depth = 2}).status();
  CHECK_MESSAGE(Contains(status, R"(at $["x y"][0] exceeds)"), status);

  // A long key is shown shortened; the document's root is "$".
  const std::string long_key(100, 'k');
  json = Json::Parse(absl::StrCat(R"({")", long_key, R"(":[[]]})"));
  REQUIRE(json.ok());
  status = Value::FromJson(*json, {.max_depth = 2}).status();
  CHECK_MESSAGE(Contains(status, absl::StrCat(R"($[")", std::string(64, 'k'), R"(..."][0])")),
                status);
  CHECK_FALSE(Contains(status, long_key));
  status = Value::FromJson(*json, {.max_depth = 0}).status();
  CHECK_MESSAGE(Contains(status, "at $ exceeds the depth limit of 0"), status);
}

TEST_CASE("max_depth above kMaxValueDepth is clamped to it and never yields a silent null") {
  // The deepest a Value holds is read in full, its innermost scalar intact.
  Value deepest = MustParse(NestedArrays(kMaxValueDepth), {.max_depth = 1000});
  CHECK(deepest.depth() == kMaxValueDepth);
  const Value* inner = &deepest;
  while (inner->is_array()) inner = &inner->At(0);
  CHECK(inner->as_number() == 7);

  // One level more is an error from Parse (naming the byte offset) ...
  absl::Status parsed = Value::Parse(NestedArrays(kMaxValueDepth + 1), {.max_depth = 1000}).status();
  CHECK(parsed.code() == absl::StatusCode::kInvalidArgument);
  CHECK_MESSAGE(Contains(parsed, absl::StrCat("at byte ", kMaxValueDepth)), parsed);
  CHECK_MESSAGE(Contains(parsed, absl::StrCat(kMaxValueDepth, " levels")), parsed);

  // ... and from FromJson on a Json that was allowed to nest deeper.
  absl::StatusOr<Json> json = Json::Parse(NestedArrays(kMaxValueDepth + 1), {.max_depth = 1000});
  REQUIRE(json.ok());
  absl::Status read = Value::FromJson(*json, {.max_depth = 1000}).status();
  CHECK(read.code() == absl::StatusCode::kInvalidArgument);
  CHECK_MESSAGE(Contains(read, absl::StrCat("the depth limit of ", kMaxValueDepth,
                                            " (kMaxValueDepth; max_depth 1000 is clamped")),
                read);
  // The path's 256 steps are shown by their ends.
  CHECK_MESSAGE(Contains(read, absl::StrCat("at $[0][0][0][0][0][0][0][0]...(", kMaxValueDepth - 12,
                                            " steps)...[0][0][0][0] exceeds")),
                read);
}

TEST_CASE("a size error names the limit") {
  absl::Status parsed = Value::Parse(R"(["abcdef"])", {.max_bytes = 4}).status();
  CHECK(parsed.code() == absl::StatusCode::kOutOfRange);
  CHECK_MESSAGE(Contains(parsed, "limit is 4"), parsed);
  absl::StatusOr<Json> json = Json::Parse(R"(["abcdef"])");
  REQUIRE(json.ok());
  absl::Status read = Value::FromJson(*json, {.max_bytes = 4}).status();
  CHECK(read.code() == absl::StatusCode::kOutOfRange);
  CHECK_MESSAGE(Contains(read, "10 bytes exceeds the limit of 4"), read);
  CHECK(Value::FromJson(*json, {.max_bytes = 10}).ok());
}

TEST_CASE("an object that duplicates shrink below the index size is still found") {
  std::vector<Value::Member> members;
  for (int i = 0; i < 30; ++i) {
    members.emplace_back(i % 2 == 0 ? "even" : "odd", Value::Number(i));
  }
  members.emplace_back("3", Value::Null());
  Value v = Value::Object(std::move(members));
  CHECK(Keys(v) == std::vector<std::string>{"3", "even", "odd"});
  CHECK(v.Find("even")->as_number() == 28);
  CHECK(v.Find("odd")->as_number() == 29);
  CHECK(v.Find("3")->is_null());
  CHECK(v.Find("4") == nullptr);
}

TEST_CASE("a large object keeps JSON.parse order for repeated index keys") {
  std::string text = "{";
  for (int i = 40; i > 0; --i) absl::StrAppend(&text, "\"", i, "\":", i, ",");
  absl::StrAppend(&text, R"("name":"a","7":"again","name":"b"})");
  Value v = MustParse(text);
  CHECK(v.size() == 41);
  CHECK(v.members()[0].first == "1");
  CHECK(v.members()[6].first == "7");
  CHECK(v.members()[6].second.as_string() == "again");
  CHECK(v.members()[40].first == "name");
  CHECK(v.Find("name")->as_string() == "b");
  CHECK(v.Find("40")->as_number() == 40);
}

TEST_CASE("hand-built values never nest deeper than kMaxValueDepth") {
  Value v = Value::Number(1);
  for (uint32_t i = 0; i < kMaxValueDepth + 10; ++i) v = Value::Array({v});
  CHECK(v.depth() <= kMaxValueDepth);
  Value o = Value::Object({{"k", v}});
  CHECK(o.depth() <= kMaxValueDepth);
}

}  // namespace
}  // namespace marquee::campaign
