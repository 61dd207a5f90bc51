// /v1/polls: create (201, Location, ETag, 409, validation 400s), read (ETag,
// 304), close, votes (201 new, 200 re-sent and not counted twice, 409
// closed / second vote, 400 unknown option, 403 targeting, 404 unknown
// poll), results (tally, ETag, 304), bad bodies, and 404 without a
// PollService.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include "api_fixture.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CheckProblem;
using test::Contains;
using test::Domain;

constexpr Domain kPolls{.polls = true};

std::string PollBody(std::string_view id, std::string_view extra = "") {
  return std::string(R"({"id":")") + std::string(id) +
         R"(","question":"Which colour?","options":[{"key":"red","label":"Red"},)"
         R"({"key":"blue","label":"Blue"}])" +
         std::string(extra) + "}";
}

std::string CreatePoll(ApiFixture& f, std::string_view id, std::string_view extra = "") {
  Response r = f.SendJson("POST", "/v1/polls", PollBody(id, extra));
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return std::string(*r.headers.Get("ETag"));
}

Response Vote(ApiFixture& f, std::string_view poll, std::string_view user, std::string_view option,
              std::string_view extra = "") {
  return f.SendJson("POST", "/v1/polls/" + std::string(poll) + "/votes",
                    R"({"user":")" + std::string(user) + R"(","option":")" + std::string(option) +
                        "\"" + std::string(extra) + "}");
}

TEST_SUITE("http.polls") {
  TEST_CASE("POST creates: 201, Location, ETag, GET gives the same, 304 on its ETag") {
    ApiFixture f({}, kPolls);
    Response r = f.SendJson("POST", "/v1/polls", PollBody("colour"));
    REQUIRE_MESSAGE(r.status == 201, r.body);
    CHECK(r.headers.Get("Location") == std::optional<std::string_view>("/v1/polls/colour"));
    absl::StatusOr<campaign::Poll> stored = f.polls->GetPoll("colour");
    REQUIRE(stored.ok());
    CHECK(r.headers.Get("ETag") ==
          std::optional<std::string_view>("\"" + std::to_string(stored->version) + "\""));
    CHECK(r.body ==
          R"({"id":"colour","question":"Which colour?","options":[{"key":"red","label":"Red"},)"
          R"({"key":"blue","label":"Blue"}],"allowVoteChange":false,"rules":[]})");
    Response get = f.Get("/v1/polls/colour");
    CHECK(get.status == 200);
    CHECK(get.body == r.body);
    CHECK(get.headers.Get("ETag") == r.headers.Get("ETag"));
    Response not_modified =
        f.Get("/v1/polls/colour", {{"If-None-Match", std::string(*r.headers.Get("ETag"))}});
    CHECK(not_modified.status == 304);
    CHECK(not_modified.body.empty());
    CheckProblem(f.Get("/v1/polls/nope"), 404);
  }

  TEST_CASE("POST of an existing id is 409 and changes nothing") {
    ApiFixture f({}, kPolls);
    CreatePoll(f, "colour");
    const uint64_t version = f.store->CurrentVersion();
    CheckProblem(f.SendJson("POST", "/v1/polls", PollBody("colour", R"(,"allowVoteChange":true)")),
                 409);
    CHECK(f.store->CurrentVersion() == version);
    CHECK_FALSE(f.polls->GetPoll("colour")->allow_vote_change);
  }

  TEST_CASE("invalid polls are 400 problems naming the field, nothing stored") {
    ApiFixture f({}, kPolls);
    const uint64_t version = f.store->CurrentVersion();
    struct Case {
      std::string body;
      std::string names;
    };
    const Case cases[] = {
        {R"({"question":"q","options":[{"key":"a"},{"key":"b"}]})", "id"},
        {R"({"id":7,"question":"q","options":[{"key":"a"},{"key":"b"}]})", "id"},
        {PollBody("a/b"), "id"},
        {PollBody(".."), "id"},
        {R"({"id":"p","options":[{"key":"a"},{"key":"b"}]})", "question"},
        {R"({"id":"p","question":"q","options":[{"key":"a"}]})", "options"},
        {R"({"id":"p","question":"q","options":[{"key":"a"},{"key":"a"}]})", "options[1].key"},
        {PollBody("p", R"(,"colour":"red")"), "colour"},
        {PollBody("p", R"(,"closesAt":"tomorrow")"), "closesAt"},
        {PollBody("p", R"(,"allowVoteChange":"yes")"), "allowVoteChange"},
        {"[1]", "body"},
        {R"({"id":"p",)", "body"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.body);
      Response r = f.SendJson("POST", "/v1/polls", c.body);
      CheckProblem(r, 400);
      CHECK(Contains(r.body, c.names));
    }
    CheckProblem(f.Send("POST", "/v1/polls", {}, PollBody("p")), 415);
    CHECK(f.store->CurrentVersion() == version);
  }

  TEST_CASE("a vote is counted once: 201, then 200 unchanged") {
    ApiFixture f({}, kPolls);
    CreatePoll(f, "colour");
    Response first = Vote(f, "colour", "u1", "red");
    REQUIRE_MESSAGE(first.status == 201, first.body);
    CHECK(Contains(first.body, R"({"poll":"colour","user":"u1","option":"red","at":"2026-03-01T00:00:00Z","result":"created"})"));
    Response again = Vote(f, "colour", "u1", "red");
    CHECK(again.status == 200);
    CHECK(Contains(again.body, R"("result":"unchanged")"));
    CHECK(Vote(f, "colour", "u2", "blue").status == 201);
    Response results = f.Get("/v1/polls/colour/results");
    REQUIRE(results.status == 200);
    CHECK(results.body == R"({"poll":"colour","counts":{"blue":1,"red":1},"total":2})");
  }

  TEST_CASE("a second option is 409 unless the poll allows changes") {
    ApiFixture f({}, kPolls);
    CreatePoll(f, "strict");
    CreatePoll(f, "loose", R"(,"allowVoteChange":true)");
    REQUIRE(Vote(f, "strict", "u1", "red").status == 201);
    Response refused = Vote(f, "strict", "u1", "blue");
    CheckProblem(refused, 409);
    CHECK(f.Get("/v1/polls/strict/results").body ==
          R"({"poll":"strict","counts":{"blue":0,"red":1},"total":1})");
    REQUIRE(Vote(f, "loose", "u1", "red").status == 201);
    Response changed = Vote(f, "loose", "u1", "blue");
    CHECK(changed.status == 200);
    CHECK(Contains(changed.body, R"("result":"changed")"));
    CHECK(f.Get("/v1/polls/loose/results").body ==
          R"({"poll":"loose","counts":{"blue":1,"red":0},"total":1})");
  }

  TEST_CASE("closed poll 409, not yet open 409, unknown option 400, unknown poll 404") {
    ApiFixture f({}, kPolls);
    CreatePoll(f, "colour");
    CreatePoll(f, "later", R"(,"opensAt":"2026-04-01T00:00:00Z")");
    Response unknown = Vote(f, "colour", "u1", "green");
    CheckProblem(unknown, 400);
    CHECK(Contains(unknown.body, "green"));
    CheckProblem(Vote(f, "nope", "u1", "red"), 404);
    CheckProblem(Vote(f, "later", "u1", "red"), 409);
    Response closed = f.Send("POST", "/v1/polls/colour/close");
    REQUIRE_MESSAGE(closed.status == 200, closed.body);
    CHECK(Contains(closed.body, R"("closesAt":"2026-03-01T00:00:00Z")"));
    Response late = Vote(f, "colour", "u1", "red");
    CheckProblem(late, 409);
    CHECK(Contains(late.body, "closed"));
    CHECK(f.Get("/v1/polls/colour/results").body ==
          R"({"poll":"colour","counts":{"blue":0,"red":0},"total":0})");
    CheckProblem(f.Send("POST", "/v1/polls/nope/close"), 404);
  }

  TEST_CASE("targeting: attributes that do not match are 403") {
    ApiFixture f({}, kPolls);
    CreatePoll(f, "fr", R"(,"targeting":{"condition":{"country":"FR"}})");
    CheckProblem(Vote(f, "fr", "u1", "red", R"(,"attributes":{"country":"DE"})"), 403);
    CheckProblem(Vote(f, "fr", "u1", "red"), 403);
    CHECK(Vote(f, "fr", "u1", "red", R"(,"attributes":{"country":"FR"})").status == 201);
  }

  TEST_CASE("bad vote bodies are 4xx problems and count nothing") {
    ApiFixture f({}, kPolls);
    CreatePoll(f, "colour");
    const uint64_t version = f.store->CurrentVersion();
    struct Case {
      std::string body;
      std::string names;
    };
    const Case cases[] = {
        {R"({"option":"red"})", "user"},
        {R"({"user":"u1"})", "option"},
        {R"({"user":1,"option":"red"})", "user"},
        {R"({"user":"u1","option":["red"]})", "option"},
        {R"({"user":"u1","option":"red","attributes":[1]})", "attributes"},
        {R"({"user":"u1","option":"red","weight":2})", "weight"},
        {R"({"user":"u1","option":"red")", "body"},
        {"null", "body"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.body);
      Response r = f.SendJson("POST", "/v1/polls/colour/votes", c.body);
      CheckProblem(r, 400);
      CHECK(Contains(r.body, c.names));
    }
    CheckProblem(f.Send("POST", "/v1/polls/colour/votes", {{"Content-Type", "text/plain"}},
                        R"({"user":"u1","option":"red"})"),
                 415);
    CHECK(f.store->CurrentVersion() == version);
    CHECK(f.polls->Tally("colour")->total == 0);
  }

  TEST_CASE("results: ETag is the tally's version, 304 until the next vote") {
    ApiFixture f({}, kPolls);
    CreatePoll(f, "colour");
    REQUIRE(Vote(f, "colour", "u1", "red").status == 201);
    Response r = f.Get("/v1/polls/colour/results");
    std::optional<std::string_view> etag = r.headers.Get("ETag");
    REQUIRE(etag.has_value());
    CHECK(*etag == "\"" + std::to_string(f.polls->Tally("colour")->version) + "\"");
    CHECK(f.Get("/v1/polls/colour/results", {{"If-None-Match", std::string(*etag)}}).status ==
          304);
    REQUIRE(Vote(f, "colour", "u2", "blue").status == 201);
    Response after = f.Get("/v1/polls/colour/results", {{"If-None-Match", std::string(*etag)}});
    CHECK(after.status == 200);
    CHECK(Contains(after.body, R"("total":2)"));
    CheckProblem(f.Get("/v1/polls/nope/results"), 404);
  }

  TEST_CASE("PUT and PATCH replace the definition: 428, 412, votes kept") {
    ApiFixture f({}, kPolls);
    const std::string etag = CreatePoll(f, "colour");
    REQUIRE(Vote(f, "colour", "u1", "red").status == 201);
    const std::string renamed = PollBody("colour", R"(,"allowVoteChange":true)");
    CheckProblem(f.SendJson("PUT", "/v1/polls/colour", renamed), 428);
    CheckProblem(f.SendJson("PUT", "/v1/polls/colour", renamed, {{"If-Match", "\"999\""}}), 412);
    CheckProblem(f.SendJson("PUT", "/v1/polls/nope", renamed, {{"If-Match", etag}}), 404);
    CheckProblem(f.SendJson("PUT", "/v1/polls/colour", PollBody("other"), {{"If-Match", etag}}), 400);
    Response put = f.SendJson("PUT", "/v1/polls/colour", renamed, {{"If-Match", etag}});
    REQUIRE_MESSAGE(put.status == 200, put.body);
    CHECK(Contains(put.body, R"("allowVoteChange":true)"));
    // The vote counted before stays counted, and may now change.
    CHECK(Vote(f, "colour", "u1", "blue").status == 200);
    Response patched = f.Send("PATCH", "/v1/polls/colour",
                              {{"Content-Type", "application/merge-patch+json"},
                               {"If-Match", std::string(*put.headers.Get("ETag"))}},
                              R"({"question":"Which colour now?"})");
    REQUIRE_MESSAGE(patched.status == 200, patched.body);
    CHECK(Contains(patched.body, R"("question":"Which colour now?")"));
    CheckProblem(f.Send("PATCH", "/v1/polls/colour",
                        {{"Content-Type", "application/merge-patch+json"},
                         {"If-Match", std::string(*patched.headers.Get("ETag"))}},
                        R"({"options":[]})"),
                 400);
    Response results = f.Get("/v1/polls/colour/results");
    CHECK(Contains(results.body, R"("total":1)"));
  }

  TEST_CASE("DELETE erases the poll with its votes and tallies: 412 stale, 204, 404") {
    ApiFixture f({}, kPolls);
    const std::string etag = CreatePoll(f, "colour");
    REQUIRE(Vote(f, "colour", "u1", "red").status == 201);
    REQUIRE(Vote(f, "colour", "u2", "blue").status == 201);
    CheckProblem(f.Send("DELETE", "/v1/polls/colour", {{"If-Match", "\"999\""}}), 412);
    CHECK(f.Send("DELETE", "/v1/polls/colour", {{"If-Match", etag}}).status == 204);
    CheckProblem(f.Get("/v1/polls/colour"), 404);
    CheckProblem(f.Send("DELETE", "/v1/polls/colour"), 404);
    CHECK(f.memory->Scan({.collection = "votes"})->records.empty());
    CHECK(f.memory->Scan({.collection = "poll_tallies"})->records.empty());
    // The id can be used again, from no votes.
    CreatePoll(f, "colour");
    CHECK(Contains(f.Get("/v1/polls/colour/results").body, R"("total":0)"));
  }

  TEST_CASE("methods the service has no call for are 405, no service is 404") {
    ApiFixture f({}, kPolls);
    CreatePoll(f, "colour");
    CheckProblem(f.SendJson("PUT", "/v1/polls", PollBody("colour")), 405);
    CheckProblem(f.Send("DELETE", "/v1/polls"), 405);
    CheckProblem(f.Get("/v1/polls/colour?x=1"), 400);
    ApiFixture none;
    CheckProblem(none.SendJson("POST", "/v1/polls", PollBody("colour")), 404);
    CheckProblem(none.Get("/v1/polls/colour/results"), 404);
  }

  TEST_CASE("a store that fails writes is a 5xx without internal text") {
    ApiFixture f({}, kPolls);
    CreatePoll(f, "colour");
    f.store->FailWrites(absl::InternalError(test::kSecret));
    CheckProblem(f.SendJson("POST", "/v1/polls", PollBody("other")), 500);
    CheckProblem(Vote(f, "colour", "u1", "red"), 500);
    f.store->FailWrites(absl::OkStatus());
    CHECK(Vote(f, "colour", "u1", "red").status == 201);
  }
}

}  // namespace
}  // namespace marquee::http
