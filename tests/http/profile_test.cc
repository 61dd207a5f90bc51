// /v1/profiles/{id}: PUT (201 then 200, If-Match / If-None-Match rules),
// PATCH (merge patch media type, creates, removes with null, keeps number
// spelling), GET (ETag, 304), DELETE (GDPR erasure, votes too, idempotent),
// export; private, no-store everywhere; bad input changes nothing.
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

constexpr Domain kProfiles{.profiles = true};
constexpr std::string_view kPrivate = "private, no-store";

Response Patch(const ApiFixture& f, std::string target, std::string body, Headers headers = {}) {
  headers.Add("Content-Type", "application/merge-patch+json");
  return f.Send("PATCH", std::move(target), std::move(headers), std::move(body));
}

TEST_SUITE("http.profiles") {
  TEST_CASE("PUT creates (201) then replaces (200), GET gives it with ETag and 304") {
    ApiFixture f({}, kProfiles);
    Response created = f.SendJson("PUT", "/v1/profiles/u1", R"({"attributes":{"plan":"free"}})");
    REQUIRE_MESSAGE(created.status == 201, created.body);
    CHECK(created.body ==
          R"({"id":"u1","attributes":{"plan":"free"},"created":"2026-03-01T00:00:00Z","updated":"2026-03-01T00:00:00Z"})");
    CHECK(created.headers.Get("Cache-Control") == std::optional<std::string_view>(kPrivate));
    CHECK(created.headers.Get("ETag") ==
          std::optional<std::string_view>("\"" + std::to_string(f.profiles->Get("u1")->version) + "\""));
    Response replaced =
        f.SendJson("PUT", "/v1/profiles/u1", R"({"id":"u1","attributes":{"plan":"pro"}})");
    CHECK(replaced.status == 200);
    Response get = f.Get("/v1/profiles/u1");
    CHECK(get.status == 200);
    CHECK(get.body == replaced.body);
    CHECK(get.headers.Get("Cache-Control") == std::optional<std::string_view>(kPrivate));
    Response not_modified =
        f.Get("/v1/profiles/u1", {{"If-None-Match", std::string(*get.headers.Get("ETag"))}});
    CHECK(not_modified.status == 304);
    CHECK(not_modified.headers.Get("Cache-Control") == std::optional<std::string_view>(kPrivate));
    CheckProblem(f.Get("/v1/profiles/nobody"), 404);
  }

  TEST_CASE("PUT preconditions: stale If-Match 412, If-None-Match * on an existing one 412") {
    ApiFixture f({}, kProfiles);
    const std::string etag = std::string(
        *f.SendJson("PUT", "/v1/profiles/u1", R"({"attributes":{"n":1}})").headers.Get("ETag"));
    REQUIRE(f.SendJson("PUT", "/v1/profiles/u1", R"({"attributes":{"n":2}})", {{"If-Match", etag}})
                .status == 200);
    const uint64_t version = f.store->CurrentVersion();
    CheckProblem(f.SendJson("PUT", "/v1/profiles/u1", R"({"attributes":{"n":3}})",
                            {{"If-Match", etag}}),
                 412);
    CheckProblem(f.SendJson("PUT", "/v1/profiles/u1", R"({"attributes":{"n":3}})",
                            {{"If-None-Match", "*"}}),
                 412);
    CheckProblem(f.SendJson("PUT", "/v1/profiles/u2", R"({"attributes":{}})",
                            {{"If-Match", "\"1\""}}),
                 412);
    CHECK(f.store->CurrentVersion() == version);
    CHECK(f.profiles->Get("u1")->attributes.text() == R"({"n":2})");
    CHECK(f.SendJson("PUT", "/v1/profiles/u2", R"({"attributes":{}})", {{"If-None-Match", "*"}})
              .status == 201);
  }

  TEST_CASE("PATCH is a merge patch: creates, changes, removes, keeps numbers as sent") {
    ApiFixture f({}, kProfiles);
    Response created = Patch(f, "/v1/profiles/u1", R"({"attributes":{"plan":"free","beta":true}})");
    REQUIRE_MESSAGE(created.status == 201, created.body);
    Response changed =
        Patch(f, "/v1/profiles/u1", R"({"attributes":{"plan":"pro","beta":null,"score":1.50}})");
    REQUIRE_MESSAGE(changed.status == 200, changed.body);
    CHECK(Contains(changed.body, R"("attributes":{"plan":"pro","score":1.50})"));
    CHECK(changed.headers.Get("Cache-Control") == std::optional<std::string_view>(kPrivate));
    // A stale If-Match changes nothing.
    CheckProblem(Patch(f, "/v1/profiles/u1", R"({"attributes":{"plan":"x"}})",
                       {{"If-Match", std::string(*created.headers.Get("ETag"))}}),
                 412);
    CHECK(Patch(f, "/v1/profiles/u1", R"({"attributes":{"plan":"team"}})",
                {{"If-Match", std::string(*changed.headers.Get("ETag"))}})
              .status == 200);
    CHECK(f.profiles->Get("u1")->attributes.text() == R"({"plan":"team","score":1.50})");
  }

  TEST_CASE("bad PUT and PATCH input is a 4xx problem and changes nothing") {
    ApiFixture f({.max_json_depth = 8}, kProfiles);
    REQUIRE(f.SendJson("PUT", "/v1/profiles/u1", R"({"attributes":{"plan":"free"}})").status ==
            201);
    const uint64_t version = f.store->CurrentVersion();
    struct Case {
      std::string method;
      std::string body;
      int status;
      std::string names;
    };
    const Case cases[] = {
        {"PUT", R"({"attributes":[1]})", 400, "attributes"},
        {"PUT", R"({})", 400, "attributes"},
        {"PUT", R"({"attributes":{},"plan":"pro"})", 400, "plan"},
        {"PUT", R"({"id":"u2","attributes":{}})", 400, "id"},
        {"PUT", R"({"attributes":{},"created":"2026-01-01T00:00:00Z"})", 400, "created"},
        {"PUT", R"({"attributes":{)", 400, "body"},
        {"PUT", R"([1])", 400, "body"},
        {"PUT", R"({"attributes":{"a":[[[[[[[[[]]]]]]]]]}})", 400, "nesting"},
        {"PATCH", R"({"attributes":null})", 400, "attributes"},
        {"PATCH", R"({"attributes":[1]})", 400, "attributes"},
        {"PATCH", R"({"id":"u2"})", 400, "id"},
        {"PATCH", R"(null)", 400, "body"},
        {"PATCH", R"({"attributes":)", 400, "body"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.method);
      CAPTURE(c.body);
      Response r = c.method == "PUT" ? f.SendJson("PUT", "/v1/profiles/u1", c.body)
                                     : Patch(f, "/v1/profiles/u1", c.body);
      CheckProblem(r, c.status);
      CHECK(Contains(r.body, c.names));
    }
    // Media types: PUT takes application/json, PATCH application/merge-patch+json.
    CheckProblem(f.SendJson("PATCH", "/v1/profiles/u1", R"({"attributes":{"a":1}})"), 415);
    CheckProblem(f.Send("PUT", "/v1/profiles/u1", {{"Content-Type", "application/merge-patch+json"}},
                        R"({"attributes":{}})"),
                 415);
    CheckProblem(f.SendJson("PUT", "/v1/profiles/" + std::string(600, 'x'), R"({"attributes":{}})"),
                 400);
    CHECK(f.store->CurrentVersion() == version);
    CHECK(f.profiles->Get("u1")->attributes.text() == R"({"plan":"free"})");
  }

  TEST_CASE("DELETE erases everything about the user: 204, idempotent") {
    ApiFixture f({}, Domain{.polls = true, .profiles = true});
    REQUIRE(f.SendJson("PUT", "/v1/profiles/u1", R"({"attributes":{"plan":"free"}})").status ==
            201);
    REQUIRE(f.SendJson("POST", "/v1/polls",
                       R"({"id":"p","question":"q","options":[{"key":"a"},{"key":"b"}]})")
                .status == 201);
    REQUIRE(f.SendJson("POST", "/v1/polls/p/votes", R"({"user":"u1","option":"a"})").status == 201);
    Response erased = f.Send("DELETE", "/v1/profiles/u1");
    CHECK(erased.status == 204);
    CHECK(erased.body.empty());
    CHECK(erased.headers.Get("Cache-Control") == std::optional<std::string_view>(kPrivate));
    CheckProblem(f.Get("/v1/profiles/u1"), 404);
    CHECK(f.polls->Tally("p")->total == 0);
    CHECK(absl::IsNotFound(f.polls->GetVote("p", "u1").status()));
    CHECK(f.Send("DELETE", "/v1/profiles/u1").status == 204);
    CHECK(f.Send("DELETE", "/v1/profiles/never-existed").status == 204);
  }

  TEST_CASE("GET export gives the user's data, private") {
    ApiFixture f({}, kProfiles);
    REQUIRE(f.SendJson("PUT", "/v1/profiles/u1", R"({"attributes":{"plan":"free"}})").status ==
            201);
    Response r = f.Get("/v1/profiles/u1/export");
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(Contains(r.body, R"("user":"u1")"));
    CHECK(Contains(r.body, R"("plan":"free")"));
    CHECK(r.headers.Get("Cache-Control") == std::optional<std::string_view>(kPrivate));
    Response nobody = f.Get("/v1/profiles/nobody/export");
    CHECK(nobody.status == 200);
    CHECK(Contains(nobody.body, R"("profile":null)"));
  }

  TEST_CASE("failures are 5xx without internal text, no repository is 404") {
    ApiFixture f({}, kProfiles);
    f.store->FailWrites(absl::InternalError(test::kSecret));
    CheckProblem(f.SendJson("PUT", "/v1/profiles/u1", R"({"attributes":{}})"), 500);
    CheckProblem(Patch(f, "/v1/profiles/u1", R"({"attributes":{}})"), 500);
    f.store->FailReads(absl::InternalError(test::kSecret));
    CheckProblem(f.Get("/v1/profiles/u1"), 500);
    CheckProblem(f.Send("DELETE", "/v1/profiles/u1"), 500);
    CheckProblem(f.Get("/v1/profiles/u1/export"), 500);
    ApiFixture none;
    CheckProblem(none.Get("/v1/profiles/u1"), 404);
    CheckProblem(none.Send("DELETE", "/v1/profiles/u1"), 404);
  }
}

}  // namespace
}  // namespace marquee::http
