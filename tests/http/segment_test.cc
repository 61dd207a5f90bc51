// /v1/segments: POST (201, Location, ETag, 409, validation 400s), GET
// (ETag, 304), PUT (428, 412, 404), DELETE (409 while a campaign names the
// segment, 412 stale, 204); nothing changes on a refused request.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include "api_fixture.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CampaignBody;
using test::CheckProblem;
using test::Contains;

constexpr std::string_view kVip = R"({"id":"vip","name":"VIP","condition":{"tier":"vip"}})";

std::string CreateVip(ApiFixture& f) {
  Response r = f.SendJson("POST", "/v1/segments", std::string(kVip));
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return std::string(*r.headers.Get("ETag"));
}

TEST_SUITE("http.segments") {
  TEST_CASE("POST creates: 201, Location, ETag, GET the same, 304") {
    ApiFixture f;
    Response r = f.SendJson("POST", "/v1/segments", std::string(kVip));
    REQUIRE_MESSAGE(r.status == 201, r.body);
    CHECK(r.body == kVip);
    CHECK(r.headers.Get("Location") == std::optional<std::string_view>("/v1/segments/vip"));
    CHECK(r.headers.Get("ETag") == std::optional<std::string_view>(
                                       "\"" + std::to_string(f.repo->GetSegment("vip")->version) +
                                       "\""));
    Response get = f.Get("/v1/segments/vip");
    CHECK(get.status == 200);
    CHECK(get.body == r.body);
    CHECK(f.Get("/v1/segments/vip", {{"If-None-Match", std::string(*r.headers.Get("ETag"))}})
              .status == 304);
    CheckProblem(f.Get("/v1/segments/nope"), 404);
    // A campaign may now name it.
    CHECK(f.SendJson("POST", "/v1/campaigns",
                     CampaignBody("c", "draft", R"(,"targeting":{"segments":["vip"]})"))
              .status == 201);
  }

  TEST_CASE("POST of an existing id is 409, invalid segments are 400 naming the field") {
    ApiFixture f;
    CreateVip(f);
    const uint64_t version = f.store->CurrentVersion();
    CheckProblem(f.SendJson("POST", "/v1/segments", std::string(kVip)), 409);
    struct Case {
      std::string body;
      std::string names;
    };
    const Case cases[] = {
        {R"({"name":"x","condition":{}})", "id"},
        {R"({"id":"s","condition":{}})", "name"},
        {R"({"id":"s","name":"x"})", "condition"},
        {R"({"id":"s","name":"x","condition":[1]})", "condition"},
        {R"({"id":"s","name":"x","condition":{},"colour":1})", "colour"},
        {R"({"id":"a/b","name":"x","condition":{}})", "id"},
        {R"({"id":"s",)", "body"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.body);
      Response r = f.SendJson("POST", "/v1/segments", c.body);
      CheckProblem(r, 400);
      CHECK(Contains(r.body, c.names));
    }
    CheckProblem(f.Send("POST", "/v1/segments", {}, std::string(kVip)), 415);
    CHECK(f.store->CurrentVersion() == version);
  }

  TEST_CASE("PATCH: a merge patch with If-Match (428, 412), the id stays") {
    ApiFixture f;
    const std::string etag = CreateVip(f);
    Headers patch{{"Content-Type", "application/merge-patch+json"}, {"If-Match", etag}};
    CheckProblem(f.Send("PATCH", "/v1/segments/vip",
                        {{"Content-Type", "application/merge-patch+json"}}, R"({"name":"V"})"),
                 428);
    CheckProblem(f.Send("PATCH", "/v1/segments/vip",
                        {{"Content-Type", "application/merge-patch+json"}, {"If-Match", "\"999\""}},
                        R"({"name":"V"})"),
                 412);
    CheckProblem(f.Send("PATCH", "/v1/segments/vip", patch, R"({"id":"other"})"), 400);
    CheckProblem(f.Send("PATCH", "/v1/segments/vip", patch, R"({"condition":null})"), 400);
    Response r = f.Send("PATCH", "/v1/segments/vip", patch, R"({"name":"Very important"})");
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(r.body == R"({"id":"vip","name":"Very important","condition":{"tier":"vip"}})");
  }

  TEST_CASE("PUT: 428 without If-Match, 412 stale, 404 unknown, 200 current") {
    ApiFixture f;
    const std::string etag = CreateVip(f);
    const std::string body = R"({"name":"VIP+","condition":{"tier":{"$in":["vip","gold"]}}})";
    const uint64_t version = f.store->CurrentVersion();
    CheckProblem(f.SendJson("PUT", "/v1/segments/vip", body), 428);
    CheckProblem(f.SendJson("PUT", "/v1/segments/vip", body, {{"If-Match", "\"999\""}}), 412);
    CheckProblem(f.SendJson("PUT", "/v1/segments/nope", body, {{"If-Match", "*"}}), 404);
    CheckProblem(f.SendJson("PUT", "/v1/segments/vip", R"({"id":"other","name":"x","condition":{}})",
                            {{"If-Match", etag}}),
                 400);
    CHECK(f.store->CurrentVersion() == version);
    Response r = f.SendJson("PUT", "/v1/segments/vip", body, {{"If-Match", etag}});
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(f.repo->GetSegment("vip")->name == "VIP+");
    CHECK(r.headers.Get("ETag") != std::optional<std::string_view>(etag));
  }

  TEST_CASE("DELETE: 409 while used, 412 stale, then 204 and 404") {
    ApiFixture f;
    CreateVip(f);
    REQUIRE(f.SendJson("POST", "/v1/campaigns",
                       CampaignBody("c", "draft", R"(,"targeting":{"segments":["vip"]})"))
                .status == 201);
    Response used = f.Send("DELETE", "/v1/segments/vip");
    CheckProblem(used, 409);
    CHECK(Contains(used.body, "'c'"));
    REQUIRE(f.Send("DELETE", "/v1/campaigns/c").status == 204);
    CheckProblem(f.Send("DELETE", "/v1/segments/vip", {{"If-Match", "\"1\""}}), 412);
    CHECK(f.repo->GetSegment("vip").ok());
    CHECK(f.Send("DELETE", "/v1/segments/vip").status == 204);
    CheckProblem(f.Get("/v1/segments/vip"), 404);
    CheckProblem(f.Send("DELETE", "/v1/segments/vip"), 404);
  }

  TEST_CASE("the segment list takes no PUT or DELETE: 405") {
    ApiFixture f;
    CheckProblem(f.SendJson("PUT", "/v1/segments", std::string(kVip)), 405);
    CheckProblem(f.Send("DELETE", "/v1/segments"), 405);
  }
}

}  // namespace
}  // namespace marquee::http
