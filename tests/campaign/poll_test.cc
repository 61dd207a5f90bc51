// The poll model: JSON round trip, defaults, and each validation rule with
// the field its message names.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "campaign/value_test_support.h"
#include "marquee/campaign/poll.h"

namespace marquee::campaign {
namespace {

using test::MustParseJson;

std::string ErrorOf(std::string_view body) {
  absl::StatusOr<Poll> p = PollFromJson("p1", MustParseJson(body));
  if (p.ok()) return "ok";
  CHECK(p.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(p.status().message());
}

constexpr std::string_view kTwoOptions =
    R"("options":[{"key":"red","label":"Red"},{"key":"blue","label":"Blue"}])";

std::string Body(std::string_view extra) {
  return std::string(R"({"question":"Colour?",)") + std::string(kTwoOptions) +
         std::string(extra) + "}";
}

std::string WithRule(std::string_view rule) {
  return Body(std::string(R"(,"rules":[)") + std::string(rule) + "]");
}

TEST_SUITE("campaign.poll") {
  TEST_CASE("a full body reads and writes back identically") {
    const std::string text =
        R"({"question":"Colour?","options":[{"key":"red","label":"Red"},{"key":"blue","label":"Blue"}],)"
        R"("opensAt":"2026-03-01T09:00:00Z","closesAt":"2026-03-08T09:00:00.5Z",)"
        R"("targeting":{"condition":{"country":"FR"}},"allowVoteChange":true,)"
        R"("rules":[{"id":"r1","option":"red","leadPoints":10,"minVotes":100,"campaign":"spring",)"
        R"("weights":[0.2,0.8],"firedAt":"2026-03-02T10:00:00Z"}]})";
    absl::StatusOr<Poll> p = PollFromJson("colour", MustParseJson(text));
    REQUIRE_MESSAGE(p.ok(), p.status().ToString());
    CHECK(p->id == "colour");
    CHECK(p->options.size() == 2);
    CHECK(p->options[1].label == "Blue");
    CHECK(*p->opens_at == absl::FromUnixSeconds(1772355600));
    CHECK(*p->closes_at == absl::FromUnixSeconds(1772960400) + absl::Milliseconds(500));
    CHECK(p->allow_vote_change);
    REQUIRE(p->rules.size() == 1);
    CHECK(p->rules[0].lead_points == 10);
    CHECK(p->rules[0].min_votes == 100);
    CHECK(p->rules[0].weights == std::vector<double>{0.2, 0.8});
    CHECK(p->rules[0].fired_at.has_value());
    absl::StatusOr<Json> back = PollToJson(*p);
    REQUIRE(back.ok());
    CHECK(back->text() == MustParseJson(text).text());
    absl::StatusOr<Poll> again = PollFromJson("colour", *back);
    REQUIRE(again.ok());
    CHECK(*again == *p);
  }

  TEST_CASE("absent members take their defaults") {
    absl::StatusOr<Poll> p = PollFromJson("p1", MustParseJson(Body("")));
    REQUIRE_MESSAGE(p.ok(), p.status().ToString());
    CHECK_FALSE(p->opens_at.has_value());
    CHECK_FALSE(p->closes_at.has_value());
    CHECK_FALSE(p->targeting.has_value());
    CHECK_FALSE(p->allow_vote_change);
    CHECK(p->rules.empty());
    CHECK(IsPollOpen(*p, absl::UnixEpoch()));
  }

  TEST_CASE("the open window includes opensAt and excludes closesAt") {
    absl::StatusOr<Poll> p = PollFromJson(
        "p1", MustParseJson(Body(
                  R"(,"opensAt":"2026-03-01T10:00:00+01:00","closesAt":"2026-03-01T10:00:00Z")")));
    REQUIRE(p.ok());
    const absl::Time opens = absl::FromUnixSeconds(1772355600);  // 09:00Z
    CHECK_FALSE(IsPollOpen(*p, opens - absl::Nanoseconds(1)));
    CHECK(IsPollOpen(*p, opens));
    CHECK(IsPollOpen(*p, opens + absl::Hours(1) - absl::Nanoseconds(1)));
    CHECK_FALSE(IsPollOpen(*p, opens + absl::Hours(1)));
  }

  TEST_CASE("validation names the field") {
    CHECK(ErrorOf(R"({"options":[]})") == "question: missing");
    CHECK(ErrorOf(R"({"question":"q"})") == "options: missing");
    CHECK(ErrorOf(R"({"question":"q","options":[]})") == "options: needs at least 2 options, got 0");
    CHECK(ErrorOf(R"({"question":"","options":[{"key":"a"},{"key":"b"}]})") ==
          "question: must not be empty");
    CHECK(ErrorOf(R"({"question":"q","options":[{"key":"a"},{"key":"a"}]})") ==
          "options[1].key: duplicate key 'a'");
    CHECK(ErrorOf(R"({"question":"q","options":[{"key":"a"},{"label":"b"}]})") ==
          "options[1].key: missing");
    CHECK(ErrorOf(R"({"question":"q","options":[{"key":"a"},{"key":"b","colour":1}]})") ==
          "options[1].colour: unknown member");
    CHECK(ErrorOf(Body(R"(,"allowVoteChanges":true)")) == "allowVoteChanges: unknown member");
    CHECK(ErrorOf(Body(R"(,"allowVoteChange":"yes")")) ==
          "allowVoteChange: expected a boolean, got string");
    CHECK(ErrorOf(Body(R"(,"opensAt":"2026-03-02T00:00:00Z","closesAt":"2026-03-01T00:00:00Z")")) ==
          "closesAt: must be after opensAt");
    CHECK(ErrorOf(Body(R"(,"opensAt":"2026-03-02T00:00:00Z","closesAt":"2026-03-02T00:00:00Z")")) ==
          "closesAt: must be after opensAt");
    CHECK(ErrorOf(Body(R"(,"opensAt":"tomorrow")")).rfind("opensAt: not an RFC 3339 instant", 0) == 0);
    CHECK(ErrorOf(Body(R"(,"targeting":{"condition":[1]})")) ==
          "targeting.condition: expected an object, got array");
  }

  TEST_CASE("rule validation names the rule and field") {
    const std::string ok_rule =
        R"({"id":"r1","option":"red","leadPoints":10,"minVotes":5,"campaign":"c","weights":[0.5,0.5]})";
    CHECK(ErrorOf(WithRule(ok_rule)) == "ok");
    CHECK(ErrorOf(WithRule(
              R"({"id":"r1","option":"green","minVotes":5,"campaign":"c","weights":[1]})")) ==
          "rules[0].option: 'green' is not an option of the poll");
    CHECK(ErrorOf(WithRule(
              R"({"id":"r1","option":"red","leadPoints":101,"campaign":"c","weights":[1]})")) ==
          "rules[0].leadPoints: must be within [0, 100], got 101");
    CHECK(ErrorOf(WithRule(
              R"({"id":"r1","option":"red","leadPoints":-1,"campaign":"c","weights":[1]})")) ==
          "rules[0].leadPoints: must be within [0, 100], got -1");
    CHECK(ErrorOf(WithRule(
              R"({"id":"r1","option":"red","minVotes":0,"campaign":"c","weights":[1]})")) ==
          "rules[0].minVotes: must be >= 1, got 0");
    CHECK(ErrorOf(WithRule(
              R"({"id":"r1","option":"red","minVotes":1.5,"campaign":"c","weights":[1]})")) ==
          "rules[0].minVotes: must be an integer, got 1.5");
    CHECK(ErrorOf(WithRule(
              R"({"id":"r1","option":"red","campaign":"c","weights":[1.2,-0.2]})")) ==
          "rules[0].weights[1]: must be a finite number >= 0, got -0.2");
    CHECK(ErrorOf(WithRule(R"({"id":"r1","option":"red","campaign":"c","weights":[0.5,0.4]})")) ==
          "rules[0].weights: sum to 0.9, not 1");
    CHECK(ErrorOf(WithRule(R"({"id":"r1","option":"red","campaign":"c","weights":[0.5,0.5005]})")) ==
          "ok");
    CHECK(ErrorOf(WithRule(R"({"id":"r1","option":"red","campaign":"c","weights":[]})")) ==
          "rules[0].weights: must not be empty");
    CHECK(ErrorOf(WithRule(R"({"id":"r1","option":"red","weights":[1]})")) ==
          "rules[0].campaign: missing");
    CHECK(ErrorOf(WithRule(ok_rule + "," + ok_rule)) == "rules[1].id: duplicate rule id 'r1'");
    CHECK(ErrorOf(WithRule(R"({"id":"r1","option":"red","campaign":"c","weights":[1],"when":1})")) ==
          "rules[0].when: unknown member");
  }

  TEST_CASE("poll ids exclude the separators of vote and shard ids") {
    CHECK(ValidatePollId("colour").ok());
    CHECK(ValidatePollId("a/b").message() == "id: must not contain '/'");
    CHECK(ValidatePollId("a#1").message() == "id: must not contain '#'");
    CHECK(ValidatePollId("").code() == absl::StatusCode::kInvalidArgument);
    CHECK(ValidatePollId(std::string(kMaxPollIdBytes + 1, 'x')).code() ==
          absl::StatusCode::kInvalidArgument);
    CHECK(PollFromJson("a/b", MustParseJson(Body(""))).status().message() == "id: must not contain '/'");
  }

  TEST_CASE("a body that is not an object is refused") {
    CHECK(ErrorOf("[1]") == "poll: expected an object, got array");
  }
}

}  // namespace
}  // namespace marquee::campaign
