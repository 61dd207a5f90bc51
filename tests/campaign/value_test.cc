// marquee::campaign::Value: reading JSON, accessors, paths, equality,
// writing back.
#include "marquee/campaign/value.h"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

namespace marquee::campaign {
namespace {

Value MustParse(std::string_view text) {
  absl::StatusOr<Value> v = Value::Parse(text);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  return *v;
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

TEST_CASE("hand-built values never nest deeper than kMaxValueDepth") {
  Value v = Value::Number(1);
  for (uint32_t i = 0; i < kMaxValueDepth + 10; ++i) v = Value::Array({v});
  CHECK(v.depth() <= kMaxValueDepth);
  Value o = Value::Object({{"k", v}});
  CHECK(o.depth() <= kMaxValueDepth);
}

}  // namespace
}  // namespace marquee::campaign
