// Segments (segment.h): the record body round trip, and validation errors
// that name their field.
#include <doctest/doctest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "marquee/campaign/condition.h"
#include "marquee/campaign/segment.h"
#include "campaign/value_test_support.h"

namespace marquee::campaign {
namespace {

// Shorthand: most cases here build many small documents.
constexpr auto& J = test::MustParseJson;

std::string ErrorOf(std::string_view text) {
  absl::StatusOr<Segment> s = SegmentFromJson("s1", J(text));
  REQUIRE_FALSE_MESSAGE(s.ok(), "accepted: ", std::string(text));
  CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(s.status().message());
}

TEST_SUITE("campaign.segment") {
  TEST_CASE("a segment body round-trips") {
    constexpr std::string_view kBody =
        R"({"name":"VIP in France","condition":{"tier":"vip","country":{"$in":["FR"]}}})";
    absl::StatusOr<Segment> s = SegmentFromJson("vip-fr", J(kBody));
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    CHECK(s->id == "vip-fr");
    CHECK(s->name == "VIP in France");
    CHECK(s->version == 0);
    CHECK(s->condition.Find("tier") != nullptr);
    absl::StatusOr<Json> back = SegmentToJson(*s);
    REQUIRE(back.ok());
    CHECK(back->text() == kBody);
    // The condition evaluates as written.
    absl::StatusOr<CompiledCondition> c = CompiledCondition::Compile(s->condition);
    REQUIRE(c.ok());
    CHECK(c->Evaluate(*Value::Parse(R"({"tier":"vip","country":"FR"})")));
    CHECK_FALSE(c->Evaluate(*Value::Parse(R"({"tier":"vip","country":"DE"})")));
  }

  TEST_CASE("errors name the field") {
    CHECK(ErrorOf(R"({"condition":{}})") == "name: missing");
    CHECK(ErrorOf(R"({"name":"n"})") == "condition: missing");
    CHECK(ErrorOf(R"({"name":"","condition":{}})") == "name: must not be empty");
    CHECK(ErrorOf(R"({"name":1,"condition":{}})") == "name: expected a string, got number");
    CHECK(ErrorOf(R"({"name":"n","condition":"x"})") == "condition: expected an object, got string");
    CHECK(ErrorOf(R"({"name":"n","condition":{},"extra":1})") == "extra: unknown member");
    CHECK(ErrorOf("null") == "body: expected an object, got null");
    std::string many = R"({"name":"n","condition":{"$or":[)";
    for (size_t i = 0; i <= kMaxConditionRegexes; ++i) {
      absl::StrAppend(&many, i == 0 ? "" : ",", R"({"a":{"$regex":"x)", i, R"("}})");
    }
    many += "]}}";
    CHECK(ErrorOf(many).rfind("condition: ", 0) == 0);
    absl::StatusOr<Segment> bad_id = SegmentFromJson("", J(R"({"name":"n","condition":{}})"));
    REQUIRE_FALSE(bad_id.ok());
    CHECK(std::string(bad_id.status().message()).rfind("id: ", 0) == 0);
  }
}

}  // namespace
}  // namespace marquee::campaign
