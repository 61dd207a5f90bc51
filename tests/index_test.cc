// Tests for marquee/index.h: IndexValue order and conversions, ValueAt,
// ValuesAt, Matches, ValidateIndexSpec and ValidateFilter.
#include "marquee/index.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "internal/json_values.h"

namespace marquee {
namespace {

using Type = IndexValue::Type;

Json Body(std::string_view text) {
  absl::StatusOr<Json> json = Json::Parse(text);
  REQUIRE_MESSAGE(json.ok(), std::string(json.status().message()));
  return *json;
}

IndexValue At(std::string_view body, std::string_view pointer) {
  absl::StatusOr<IndexValue> value = ValueAt(Body(body), pointer);
  REQUIRE_MESSAGE(value.ok(), std::string(value.status().message()));
  return *value;
}

IndexValue Str(const char* s) { return IndexValue::String(s); }
IndexValue Num(double d) { return IndexValue::Number(d); }

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST_SUITE("IndexValue") {
  TEST_CASE("a sorted list of every type is ordered pairwise") {
    const double inf = std::numeric_limits<double>::infinity();
    const std::vector<IndexValue> sorted = {
        IndexValue::Missing(), IndexValue::Null(),  IndexValue::Bool(false),
        IndexValue::Bool(true), Num(-inf),         Num(-1e300),
        Num(-1),                Num(0),            Num(0.5),
        Num(1),                 Num(9007199254740992.0), Num(1e300),
        Num(inf),               Str(""),           Str("A"),
        Str("Z"),               Str("a"),          Str("ab"),
        Str("b"),               Str("\xc3\xa9"),
        // Containers compare by minified text, byte by byte: '"' < '1' < ']'.
        IndexValue::Array("[\"a\"]"), IndexValue::Array("[1]"), IndexValue::Array("[2]"),
        IndexValue::Array("[]"), IndexValue::Object("{\"a\":1}"),
        IndexValue::Object("{\"b\":0}"), IndexValue::Object("{}"),
    };
    for (size_t i = 0; i < sorted.size(); ++i) {
      for (size_t j = 0; j < sorted.size(); ++j) {
        CAPTURE(i);
        CAPTURE(j);
        const std::strong_ordering expected = i <=> j;
        CHECK((sorted[i] <=> sorted[j]) == expected);
        CHECK((sorted[i] == sorted[j]) == (i == j));
      }
    }
  }

  TEST_CASE("type order is missing < null < false < true < number < string < array < object") {
    CHECK(IndexValue::Missing() < IndexValue::Null());
    CHECK(IndexValue::Null() < IndexValue::Bool(false));
    CHECK(IndexValue::Bool(false) < IndexValue::Bool(true));
    CHECK(IndexValue::Bool(true) < Num(-1e308));
    CHECK(Num(1e308) < Str(""));
    CHECK(Str("\xff\xff") < IndexValue::Array("[]"));
    CHECK(IndexValue::Array("[9]") < IndexValue::Object("{}"));
  }

  TEST_CASE("-0 equals 0 and is stored as +0") {
    CHECK(Num(-0.0) == Num(0.0));
    CHECK((Num(-0.0) <=> Num(0.0)) == std::strong_ordering::equal);
    CHECK_FALSE(std::signbit(Num(-0.0).number()));
    CHECK(Num(-0.0).ToJson() == "0");
  }

  TEST_CASE("NaN, which JSON cannot hold, becomes null") {
    const IndexValue value = Num(std::nan(""));
    CHECK(value.type() == Type::kNull);
    CHECK(value == IndexValue::Null());
  }

  TEST_CASE("strings compare by unsigned bytes") {
    CHECK(Str("a") < Str("\xff"));
    CHECK(Str("a") < Str("a\x01"));
    CHECK(IndexValue::String(std::string("a\0b", 3)) > Str("a"));
  }

  TEST_CASE("integers beyond 2^53 compare as doubles and may tie") {
    absl::StatusOr<IndexValue> a = IndexValue::FromJson("9007199254740993");
    absl::StatusOr<IndexValue> b = IndexValue::FromJson("9007199254740992");
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(*a == *b);
  }

  TEST_CASE("FromJson reads every kind of value") {
    CHECK(*IndexValue::FromJson("3") == Num(3));
    CHECK(*IndexValue::FromJson(" -2.5e1 ") == Num(-25));
    CHECK(*IndexValue::FromJson("-0") == Num(0));
    CHECK(*IndexValue::FromJson(R"("a\u00e9\n")") == Str("a\xc3\xa9\n"));
    CHECK(*IndexValue::FromJson("true") == IndexValue::Bool(true));
    CHECK(*IndexValue::FromJson("false") == IndexValue::Bool(false));
    CHECK(*IndexValue::FromJson("null") == IndexValue::Null());
    CHECK(*IndexValue::FromJson("[1, [2] ]") == IndexValue::Array("[1,[2]]"));
    CHECK(*IndexValue::FromJson("{ \"a\" : 1 }") == IndexValue::Object("{\"a\":1}"));
  }

  TEST_CASE("FromJson maps numbers beyond the double range to infinity and zero") {
    CHECK(IndexValue::FromJson("1e400")->number() == std::numeric_limits<double>::infinity());
    CHECK(IndexValue::FromJson("-1e400")->number() == -std::numeric_limits<double>::infinity());
    CHECK(IndexValue::FromJson("0.00001e400")->number() ==
          std::numeric_limits<double>::infinity());
    CHECK(IndexValue::FromJson("1e-400")->number() == 0);
    CHECK(IndexValue::FromJson("100000e-405")->number() == 0);
  }

  TEST_CASE("FromJson rejects malformed text") {
    const absl::StatusOr<IndexValue> value = IndexValue::FromJson("[1,]");
    CHECK(value.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(value.status()) == "invalid JSON at byte 3: trailing comma");
  }

  TEST_CASE("ToJson writes each type") {
    CHECK(IndexValue::Missing().ToJson().empty());
    CHECK(IndexValue::Null().ToJson() == "null");
    CHECK(IndexValue::Bool(false).ToJson() == "false");
    CHECK(IndexValue::Bool(true).ToJson() == "true");
    CHECK(Num(42).ToJson() == "42");
    CHECK(Num(0.1).ToJson() == "0.1");
    CHECK(Num(-1.5e300).ToJson() == "-1.5e+300");
    CHECK(Num(std::numeric_limits<double>::infinity()).ToJson() == "1e999");
    CHECK(Num(-std::numeric_limits<double>::infinity()).ToJson() == "-1e999");
    CHECK(Str("a\"b\\c\n\x01").ToJson() == R"("a\"b\\c\n\u0001")");
    CHECK(Str("\xff").ToJson() == "\"\xEF\xBF\xBD\"");  // invalid UTF-8 -> U+FFFD
    CHECK(IndexValue::Array("[1,2]").ToJson() == "[1,2]");
    CHECK(IndexValue::Object("{\"a\":1}").ToJson() == "{\"a\":1}");
  }

  TEST_CASE("FromJson(ToJson(v)) == v") {
    const std::vector<IndexValue> values = {
        IndexValue::Null(), IndexValue::Bool(true), Num(0.1), Num(-123456789.125), Num(5e-324),
        Num(std::numeric_limits<double>::max()), Num(std::numeric_limits<double>::infinity()),
        Str(""), Str("tab\there \xc3\xa9 \xf0\x9f\x98\x80"), IndexValue::Array("[1,{\"a\":null}]"),
        IndexValue::Object("{\"k\":[true]}")};
    for (const IndexValue& value : values) {
      CAPTURE(value.ToJson());
      const absl::StatusOr<IndexValue> back = IndexValue::FromJson(value.ToJson());
      REQUIRE(back.ok());
      CHECK(*back == value);
    }
  }
}

TEST_SUITE("ValueAt") {
  constexpr std::string_view kCampaign = R"({
    "name": "spring", "priority": 10, "active": true, "ends": null,
    "schedule": {"start": "2024-03-01", "days": [1, 2, 3]},
    "variants": [{"id": "a", "weight": 0.5}, {"id": "b", "weight": 0.5}],
    "a/b": 1, "m~n": 2, "~1": 3, "": 4, "caf\u00e9": 5, "q\"uote": 6
  })";

  TEST_CASE("top-level fields of each type") {
    CHECK(At(kCampaign, "/name") == Str("spring"));
    CHECK(At(kCampaign, "/priority") == Num(10));
    CHECK(At(kCampaign, "/active") == IndexValue::Bool(true));
    CHECK(At(kCampaign, "/ends") == IndexValue::Null());
  }

  TEST_CASE("nested pointers") {
    CHECK(At(kCampaign, "/schedule/start") == Str("2024-03-01"));
    CHECK(At(kCampaign, "/variants/1/id") == Str("b"));
    CHECK(At(kCampaign, "/schedule/days/2") == Num(3));
  }

  TEST_CASE("containers are returned as minified text") {
    CHECK(At(kCampaign, "/schedule") ==
          IndexValue::Object(R"({"start":"2024-03-01","days":[1,2,3]})"));
    CHECK(At(kCampaign, "/schedule/days") == IndexValue::Array("[1,2,3]"));
    CHECK(At(kCampaign, "/variants/0") == IndexValue::Object(R"({"id":"a","weight":0.5})"));
  }

  TEST_CASE("the empty pointer is the whole document") {
    CHECK(At(R"({ "a" : [1] })", "") == IndexValue::Object(R"({"a":[1]})"));
    CHECK(At("[1, 2]", "") == IndexValue::Array("[1,2]"));
    CHECK(At(R"("x\ty")", "") == Str("x\ty"));
    CHECK(At("7", "") == Num(7));
    CHECK(At("false", "") == IndexValue::Bool(false));
    CHECK(At("null", "") == IndexValue::Null());
  }

  TEST_CASE("~1 and ~0 escape '/' and '~'") {
    CHECK(At(kCampaign, "/a~1b") == Num(1));
    CHECK(At(kCampaign, "/m~0n") == Num(2));
    CHECK(At(kCampaign, "/~01") == Num(3));  // "~01" is "~1", not "/"
  }

  TEST_CASE("\"/\" names the empty key") { CHECK(At(kCampaign, "/") == Num(4)); }

  TEST_CASE("keys are compared after unescaping") {
    CHECK(At(kCampaign, "/caf\xc3\xa9") == Num(5));
    CHECK(At(kCampaign, "/q\"uote") == Num(6));
    CHECK(At(R"({"\u0061b": 1})", "/ab") == Num(1));
  }

  TEST_CASE("string values are unescaped") {
    CHECK(At(R"({"s": "line\nbreak \u00e9 \ud83d\ude00 \/"})", "/s") ==
          Str("line\nbreak \xc3\xa9 \xf0\x9f\x98\x80 /"));
  }

  TEST_CASE("missing fields and out-of-range indices are Missing") {
    CHECK(At(kCampaign, "/nope") == IndexValue::Missing());
    CHECK(At(kCampaign, "/schedule/nope") == IndexValue::Missing());
    CHECK(At(kCampaign, "/variants/2") == IndexValue::Missing());
    CHECK(At(kCampaign, "/variants/2/id") == IndexValue::Missing());
    CHECK(At(kCampaign, "/Name") == IndexValue::Missing());
    CHECK(At(kCampaign, "/nam") == IndexValue::Missing());
  }

  TEST_CASE("array tokens that are not indices are Missing") {
    CHECK(At(kCampaign, "/variants/-") == IndexValue::Missing());
    CHECK(At(kCampaign, "/variants/01") == IndexValue::Missing());
    CHECK(At(kCampaign, "/variants/id") == IndexValue::Missing());
    CHECK(At(kCampaign, "/variants/") == IndexValue::Missing());
  }

  TEST_CASE("digits address object keys in objects") {
    CHECK(At(R"({"0": "zero", "01": "one"})", "/0") == Str("zero"));
    CHECK(At(R"({"0": "zero", "01": "one"})", "/01") == Str("one"));
  }

  TEST_CASE("a pointer through a scalar is Missing") {
    CHECK(At(kCampaign, "/name/first") == IndexValue::Missing());
    CHECK(At("42", "/a") == IndexValue::Missing());
  }

  TEST_CASE("the last of duplicate keys wins, as in jsonb") {
    CHECK(At(R"({"a": 1, "b": 0, "a": 2})", "/a") == Num(2));
    CHECK(At(R"({"a": {"b": 1}, "a": {"c": 2}})", "/a/b") == IndexValue::Missing());
    CHECK(At(R"({"a": {"b": 1, "b": 3}, "x": 0})", "/a/b") == Num(3));
  }

  TEST_CASE("numbers beyond the double range") {
    CHECK(At(R"({"n": 123456789012345678901234567890})", "/n") == Num(1.2345678901234568e29));
    CHECK(At(R"({"n": 1e400})", "/n") == Num(std::numeric_limits<double>::infinity()));
    CHECK(At(R"({"n": -0})", "/n") == Num(0));
  }

  TEST_CASE("malformed pointers are InvalidArgument") {
    const Json body = Body(kCampaign);
    for (const char* pointer : {"name", "/a~", "/a~2", "/~x"}) {
      CAPTURE(pointer);
      CHECK(ValueAt(body, pointer).status().code() == absl::StatusCode::kInvalidArgument);
    }
    CHECK(Message(ValueAt(body, "name").status()) ==
          "JSON pointer 'name' must be empty or start with '/'");
    CHECK(Message(ValueAt(body, "/a~2").status()) ==
          "JSON pointer '/a~2' has '~' at byte 2 not followed by '0' or '1'");
    CHECK(ValueAt(body, "/\xff").status().code() == absl::StatusCode::kInvalidArgument);
  }

  TEST_CASE("a pointer with more tokens than the parser's default depth") {
    const size_t depth = 1500;
    std::string text;
    std::string pointer;
    for (size_t i = 0; i < depth; ++i) {
      text += "{\"a\":";
      pointer += "/a";
    }
    text += "7" + std::string(depth, '}');
    const absl::StatusOr<Json> body = Json::Parse(text, {.max_depth = 2000});
    REQUIRE(body.ok());
    const absl::StatusOr<IndexValue> value = ValueAt(*body, pointer);
    REQUIRE(value.ok());
    CHECK(*value == Num(7));
  }
}

TEST_SUITE("ValuesAt") {
  TEST_CASE("reads several pointers in order") {
    std::vector<IndexValue> values = {Num(99)};
    REQUIRE(internal::ValuesAt(Body(R"({"a": 1, "b": {"c": "x"}})"),
                               {"/b/c", "/a", "/zz", ""}, &values)
                .ok());
    REQUIRE(values.size() == 4);
    CHECK(values[0] == Str("x"));
    CHECK(values[1] == Num(1));
    CHECK(values[2] == IndexValue::Missing());
    CHECK(values[3] == IndexValue::Object(R"({"a":1,"b":{"c":"x"}})"));
  }

  TEST_CASE("a malformed pointer fails the call") {
    std::vector<IndexValue> values;
    const absl::Status status = internal::ValuesAt(Body("{}"), {"/a", "b"}, &values);
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  }

  TEST_CASE("a reader nested inside another on one thread reads correctly") {
    const Json outer_body = Body(R"({"o": 1})");
    const Json inner_body = Body(R"({"i": 2})");
    internal::JsonBodyReader outer(outer_body);
    {
      internal::JsonBodyReader inner(inner_body);
      CHECK(*inner.ValueAt("/i") == Num(2));
    }
    CHECK(*outer.ValueAt("/o") == Num(1));
  }
}

Filter One(std::string pointer, PredicateOp op, std::vector<IndexValue> operands) {
  return Filter{{Predicate{std::move(pointer), op, std::move(operands)}}};
}

// The body most Matches cases test against (parsed once, outside any test).
const Json& MatchesBody() {
  static const Json* const body = new Json(*Json::Parse(
      R"({"n": 5, "s": "spring", "t": true, "f": false, "z": null,
          "nested": {"k": "v"}, "list": [1, 2],
          "tags": ["a", "caf\u00e9", 2.0, null, true, ["x"], {"k": "v"}]})"));
  return *body;
}

TEST_SUITE("Matches") {
  const Json& kBody = MatchesBody();

  TEST_CASE("an empty filter matches everything") { CHECK(Matches(Filter{}, kBody)); }

  TEST_CASE("eq") {
    CHECK(Matches(One("/n", PredicateOp::kEq, {Num(5)}), kBody));
    CHECK_FALSE(Matches(One("/n", PredicateOp::kEq, {Num(6)}), kBody));
    CHECK_FALSE(Matches(One("/n", PredicateOp::kEq, {Str("5")}), kBody));
    CHECK(Matches(One("/nested/k", PredicateOp::kEq, {Str("v")}), kBody));
    CHECK(Matches(One("/list", PredicateOp::kEq, {IndexValue::Array("[1,2]")}), kBody));
    CHECK(Matches(One("/absent", PredicateOp::kEq, {IndexValue::Missing()}), kBody));
    CHECK_FALSE(Matches(One("/absent", PredicateOp::kEq, {IndexValue::Null()}), kBody));
  }

  TEST_CASE("ne") {
    CHECK(Matches(One("/n", PredicateOp::kNe, {Num(6)}), kBody));
    CHECK_FALSE(Matches(One("/n", PredicateOp::kNe, {Num(5)}), kBody));
    CHECK(Matches(One("/absent", PredicateOp::kNe, {Num(5)}), kBody));
    CHECK(Matches(One("/absent", PredicateOp::kNe, {IndexValue::Null()}), kBody));
    CHECK_FALSE(Matches(One("/absent", PredicateOp::kNe, {IndexValue::Missing()}), kBody));
  }

  TEST_CASE("ordering operators on numbers") {
    CHECK(Matches(One("/n", PredicateOp::kLt, {Num(6)}), kBody));
    CHECK_FALSE(Matches(One("/n", PredicateOp::kLt, {Num(5)}), kBody));
    CHECK(Matches(One("/n", PredicateOp::kLe, {Num(5)}), kBody));
    CHECK_FALSE(Matches(One("/n", PredicateOp::kLe, {Num(4.9)}), kBody));
    CHECK(Matches(One("/n", PredicateOp::kGt, {Num(4)}), kBody));
    CHECK_FALSE(Matches(One("/n", PredicateOp::kGt, {Num(5)}), kBody));
    CHECK(Matches(One("/n", PredicateOp::kGe, {Num(5)}), kBody));
    CHECK_FALSE(Matches(One("/n", PredicateOp::kGe, {Num(5.1)}), kBody));
  }

  TEST_CASE("ordering operators on strings compare bytes") {
    CHECK(Matches(One("/s", PredicateOp::kGt, {Str("summer")}), kBody) == false);
    CHECK(Matches(One("/s", PredicateOp::kLt, {Str("summer")}), kBody));
    CHECK(Matches(One("/s", PredicateOp::kGe, {Str("spring")}), kBody));
    CHECK(Matches(One("/s", PredicateOp::kGt, {Str("Spring")}), kBody));
  }

  TEST_CASE("ordering operators treat false and true as one boolean type") {
    CHECK(Matches(One("/f", PredicateOp::kLt, {IndexValue::Bool(true)}), kBody));
    CHECK(Matches(One("/t", PredicateOp::kGt, {IndexValue::Bool(false)}), kBody));
    CHECK(Matches(One("/t", PredicateOp::kLe, {IndexValue::Bool(true)}), kBody));
    CHECK_FALSE(Matches(One("/t", PredicateOp::kLt, {IndexValue::Bool(true)}), kBody));
  }

  TEST_CASE("ordering operators never match across types") {
    // In the index's type order a number sorts before every string and
    // after every boolean, but a filter does not compare across types.
    CHECK_FALSE(Matches(One("/n", PredicateOp::kLt, {Str("a")}), kBody));
    CHECK_FALSE(Matches(One("/n", PredicateOp::kGe, {Str("a")}), kBody));
    CHECK_FALSE(Matches(One("/s", PredicateOp::kGt, {Num(1)}), kBody));
    CHECK_FALSE(Matches(One("/t", PredicateOp::kGt, {Num(0)}), kBody));
    CHECK_FALSE(Matches(One("/z", PredicateOp::kLt, {Num(0)}), kBody));
    CHECK_FALSE(Matches(One("/absent", PredicateOp::kLt, {Num(0)}), kBody));
    CHECK_FALSE(Matches(One("/list", PredicateOp::kGt, {Num(0)}), kBody));
  }

  TEST_CASE("in") {
    CHECK(Matches(One("/n", PredicateOp::kIn, {Num(1), Num(5)}), kBody));
    CHECK(Matches(One("/s", PredicateOp::kIn, {Num(1), Str("spring")}), kBody));
    CHECK_FALSE(Matches(One("/n", PredicateOp::kIn, {Num(1), Str("5")}), kBody));
    CHECK_FALSE(Matches(One("/n", PredicateOp::kIn, {}), kBody));
  }

  TEST_CASE("exists") {
    CHECK(Matches(One("/n", PredicateOp::kExists, {}), kBody));
    CHECK(Matches(One("/z", PredicateOp::kExists, {}), kBody));  // null is present
    CHECK(Matches(One("/nested", PredicateOp::kExists, {}), kBody));
    CHECK_FALSE(Matches(One("/absent", PredicateOp::kExists, {}), kBody));
  }

  TEST_CASE("prefix") {
    CHECK(Matches(One("/s", PredicateOp::kPrefix, {Str("spr")}), kBody));
    CHECK(Matches(One("/s", PredicateOp::kPrefix, {Str("")}), kBody));
    CHECK(Matches(One("/s", PredicateOp::kPrefix, {Str("spring")}), kBody));
    CHECK_FALSE(Matches(One("/s", PredicateOp::kPrefix, {Str("springs")}), kBody));
    CHECK_FALSE(Matches(One("/n", PredicateOp::kPrefix, {Str("5")}), kBody));
    CHECK_FALSE(Matches(One("/absent", PredicateOp::kPrefix, {Str("")}), kBody));
  }

  TEST_CASE("contains") {
    CHECK(Matches(One("/tags", PredicateOp::kContains, {Str("a")}), kBody));
    CHECK(Matches(One("/tags", PredicateOp::kContains, {Str("caf\xC3\xA9")}), kBody));  // unescaped
    CHECK(Matches(One("/tags", PredicateOp::kContains, {Num(2)}), kBody));  // 2.0 == 2
    CHECK(Matches(One("/tags", PredicateOp::kContains, {IndexValue::Null()}), kBody));
    CHECK(Matches(One("/tags", PredicateOp::kContains, {IndexValue::Bool(true)}), kBody));
    CHECK_FALSE(Matches(One("/tags", PredicateOp::kContains, {IndexValue::Bool(false)}), kBody));
    CHECK_FALSE(Matches(One("/tags", PredicateOp::kContains, {Str("x")}), kBody));  // nested
    CHECK_FALSE(Matches(One("/tags", PredicateOp::kContains, {Str("k")}), kBody));
    CHECK_FALSE(Matches(One("/tags", PredicateOp::kContains, {Str("A")}), kBody));
    CHECK(Matches(One("/list", PredicateOp::kContains, {Num(1)}), kBody));
    CHECK_FALSE(Matches(One("/list", PredicateOp::kContains, {Num(3)}), kBody));
    // Not an array: never, even when the value itself equals the operand.
    CHECK_FALSE(Matches(One("/s", PredicateOp::kContains, {Str("spring")}), kBody));
    CHECK_FALSE(Matches(One("/absent", PredicateOp::kContains, {Str("a")}), kBody));
    CHECK_FALSE(Matches(One("/nested", PredicateOp::kContains, {Str("v")}), kBody));
    CHECK_FALSE(Matches(One("/tags", PredicateOp::kContains, {Str("a")}), Body("[]")));
  }

  TEST_CASE("all predicates must hold") {
    Filter filter{{{"/n", PredicateOp::kGt, {Num(1)}},
                   {"/n", PredicateOp::kLt, {Num(10)}},
                   {"/s", PredicateOp::kEq, {Str("spring")}}}};
    CHECK(Matches(filter, kBody));
    filter.all_of.push_back({"/t", PredicateOp::kEq, {IndexValue::Bool(false)}});
    CHECK_FALSE(Matches(filter, kBody));
  }

  TEST_CASE("a top-level scalar body") {
    CHECK(Matches(One("", PredicateOp::kEq, {Num(3)}), Body("3")));
    CHECK_FALSE(Matches(One("/a", PredicateOp::kExists, {}), Body("3")));
  }
}

IndexSpec ValidSpec() {
  return IndexSpec{.collection = "campaigns",
                   .name = "by_priority",
                   .fields = {{"/priority", SortOrder::kDescending}, {"/name"}}};
}

TEST_SUITE("ValidateIndexSpec") {
  TEST_CASE("a valid spec passes") { CHECK(ValidateIndexSpec(ValidSpec()).ok()); }

  TEST_CASE("name rules") {
    IndexSpec spec = ValidSpec();
    spec.name = "";
    CHECK(Message(ValidateIndexSpec(spec)) ==
          "index name is empty; the name \"\" is reserved for the primary order");
    spec.name = "by priority";
    CHECK(Message(ValidateIndexSpec(spec)) ==
          "index name 'by priority' has a character outside [A-Za-z0-9_.-] at byte 2");
    spec.name = std::string(64, 'x');
    CHECK(ValidateIndexSpec(spec).ok());
    spec.name = std::string(65, 'x');
    CHECK(ValidateIndexSpec(spec).code() == absl::StatusCode::kInvalidArgument);
    spec.name = "A-z_0.9";
    CHECK(ValidateIndexSpec(spec).ok());
  }

  TEST_CASE("the collection name is validated") {
    IndexSpec spec = ValidSpec();
    spec.collection = "bad/name";
    CHECK(ValidateIndexSpec(spec).code() == absl::StatusCode::kInvalidArgument);
    spec.collection = "";
    CHECK(ValidateIndexSpec(spec).code() == absl::StatusCode::kInvalidArgument);
  }

  TEST_CASE("1 to 8 fields") {
    IndexSpec spec = ValidSpec();
    spec.fields.clear();
    CHECK(Message(ValidateIndexSpec(spec)) ==
          "index 'by_priority' has 0 fields; it needs 1 to 8");
    spec.fields.assign(8, IndexField{"/a"});
    CHECK(ValidateIndexSpec(spec).ok());
    spec.fields.assign(9, IndexField{"/a"});
    CHECK(ValidateIndexSpec(spec).code() == absl::StatusCode::kInvalidArgument);
  }

  TEST_CASE("field pointers must be RFC 6901") {
    IndexSpec spec = ValidSpec();
    spec.fields[1].pointer = "";
    CHECK(ValidateIndexSpec(spec).ok());
    spec.fields[1].pointer = "name";
    CHECK(Message(ValidateIndexSpec(spec)) ==
          "index 'by_priority' field 1: JSON pointer 'name' must be empty or start with '/'");
    spec.fields[1].pointer = "/a~";
    CHECK(ValidateIndexSpec(spec).code() == absl::StatusCode::kInvalidArgument);
    spec.fields[1].pointer = "/a~0~1";
    CHECK(ValidateIndexSpec(spec).ok());
  }

  TEST_CASE("an out-of-range sort order is rejected") {
    IndexSpec spec = ValidSpec();
    spec.fields[0].order = static_cast<SortOrder>(7);
    CHECK(ValidateIndexSpec(spec).code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_SUITE("ValidateFilter") {
  TEST_CASE("an empty filter is valid") { CHECK(ValidateFilter(Filter{}).ok()); }

  TEST_CASE("every operator with the right operands is valid") {
    const Filter filter{{{"/a", PredicateOp::kEq, {Num(1)}},
                         {"/a", PredicateOp::kNe, {IndexValue::Null()}},
                         {"/a", PredicateOp::kLt, {Num(1)}},
                         {"/a", PredicateOp::kLe, {Str("x")}},
                         {"/a", PredicateOp::kGt, {IndexValue::Bool(false)}},
                         {"/a", PredicateOp::kGe, {Num(1)}},
                         {"/a", PredicateOp::kIn, {Num(1), Str("x")}},
                         {"/a", PredicateOp::kIn, {}},
                         {"/a", PredicateOp::kExists, {}},
                         {"/a", PredicateOp::kPrefix, {Str("x")}},
                         {"", PredicateOp::kEq, {IndexValue::Object("{}")}}}};
    CHECK(ValidateFilter(filter).ok());
  }

  TEST_CASE("a malformed pointer is named with its predicate") {
    CHECK(Message(ValidateFilter(One("a", PredicateOp::kExists, {}))) ==
          "filter predicate 0: JSON pointer 'a' must be empty or start with '/'");
  }

  TEST_CASE("operand counts") {
    CHECK(Message(ValidateFilter(One("/a", PredicateOp::kEq, {}))) ==
          "filter predicate 0: the operator takes exactly one operand, got 0");
    CHECK(ValidateFilter(One("/a", PredicateOp::kLt, {Num(1), Num(2)})).code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(Message(ValidateFilter(One("/a", PredicateOp::kExists, {Num(1)}))) ==
          "filter predicate 0: exists takes no operands, got 1");
  }

  TEST_CASE("ordering operators need a boolean, number or string operand") {
    for (const IndexValue& operand : {IndexValue::Missing(), IndexValue::Null(),
                                      IndexValue::Array("[]"), IndexValue::Object("{}")}) {
      CHECK(ValidateFilter(One("/a", PredicateOp::kGt, {operand})).code() ==
            absl::StatusCode::kInvalidArgument);
    }
  }

  TEST_CASE("prefix needs a string operand") {
    CHECK(Message(ValidateFilter(One("/a", PredicateOp::kPrefix, {Num(1)}))) ==
          "filter predicate 0: prefix takes a string operand");
  }

  TEST_CASE("contains needs one scalar operand") {
    CHECK(ValidateFilter(One("/a", PredicateOp::kContains, {IndexValue::Null()})).ok());
    CHECK(Message(ValidateFilter(One("/a", PredicateOp::kContains, {IndexValue::Array("[1]")}))) ==
          "filter predicate 0: contains takes a null, boolean, number or string operand");
    CHECK(Message(ValidateFilter(One("/a", PredicateOp::kContains, {IndexValue::Object("{}")}))) ==
          "filter predicate 0: contains takes a null, boolean, number or string operand");
    CHECK(Message(ValidateFilter(One("/a", PredicateOp::kContains, {IndexValue::Missing()}))) ==
          "filter predicate 0: contains takes a null, boolean, number or string operand");
    CHECK(Message(ValidateFilter(One("/a", PredicateOp::kContains, {Str("x"), Str("y")}))) ==
          "filter predicate 0: the operator takes exactly one operand, got 2");
  }

  TEST_CASE("an unknown operator is rejected") {
    CHECK(ValidateFilter(One("/a", static_cast<PredicateOp>(42), {})).code() ==
          absl::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace marquee
