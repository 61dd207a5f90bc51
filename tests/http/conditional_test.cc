// Entity-tag lists (If-Match, If-None-Match): parsing and strong/weak
// comparison against a record version.
#include "http/conditional.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "marquee/http/message.h"

namespace marquee::http::internal {
namespace {

absl::StatusOr<std::optional<EntityTagCondition>> Parse(std::initializer_list<const char*> values) {
  Headers h;
  for (const char* v : values) h.Add("If-Match", v);
  return ParseEntityTagCondition(h, "If-Match");
}

TEST_SUITE("http.conditional") {
  TEST_CASE("strong ETags are quoted decimal versions") {
    CHECK(StrongEtag(42) == "\"42\"");
    CHECK(StrongEtag(18446744073709551615ULL) == "\"18446744073709551615\"");
  }

  TEST_CASE("absent header: no condition") {
    absl::StatusOr<std::optional<EntityTagCondition>> c = ParseEntityTagCondition({}, "If-Match");
    REQUIRE(c.ok());
    CHECK_FALSE(c->has_value());
  }

  TEST_CASE("lists, several fields, weak tags and '*'") {
    absl::StatusOr<std::optional<EntityTagCondition>> c = Parse({"\"1\", W/\"2\"", " \"3\" ,"});
    REQUIRE(c.ok());
    REQUIRE(c->has_value());
    const EntityTagCondition& cond = **c;
    CHECK_FALSE(cond.any);
    REQUIRE(cond.tags.size() == 3);
    CHECK(cond.tags[1].weak);
    CHECK(cond.tags[1].opaque == "2");
    CHECK(MatchesStrong(cond, 1));
    CHECK_FALSE(MatchesStrong(cond, 2));  // weak tags never match strongly
    CHECK(MatchesWeak(cond, 2));
    CHECK(MatchesStrong(cond, 3));
    CHECK_FALSE(MatchesWeak(cond, 4));

    absl::StatusOr<std::optional<EntityTagCondition>> any = Parse({"*"});
    REQUIRE(any.ok());
    CHECK((*any)->any);
    CHECK(MatchesStrong(**any, 7));
    CHECK(MatchesWeak(**any, 7));
  }

  TEST_CASE("malformed lists are refused") {
    for (const char* bad :
         {"", "1", "\"1", "W/1", "\"1\" \"2\"", "*, \"1\"", "\"a b\"", "w/\"1\"", ",", "\"1\"x"}) {
      CAPTURE(bad);
      CHECK(absl::IsInvalidArgument(Parse({bad}).status()));
    }
    std::string many;
    for (int i = 0; i < 65; ++i) many += "\"" + std::to_string(i) + "\",";
    CHECK(absl::IsInvalidArgument(Parse({many.c_str()}).status()));
  }
}

}  // namespace
}  // namespace marquee::http::internal
