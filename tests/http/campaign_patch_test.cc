// PATCH /v1/campaigns/{id}: an RFC 7396 merge patch over the representation,
// If-Match required (428) and checked (412), application/merge-patch+json
// only (415), the id may not change, validation and transitions as PUT.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include "api_fixture.h"
#include "marquee/campaign/campaign.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CheckProblem;
using test::Contains;

Response Patch(const ApiFixture& f, std::string target, std::string body, Headers headers = {}) {
  headers.Add("Content-Type", "application/merge-patch+json");
  return f.Send("PATCH", std::move(target), std::move(headers), std::move(body));
}

TEST_SUITE("http.campaign_patch") {
  TEST_CASE("a merge patch changes only what it names") {
    ApiFixture f;
    const std::string etag = f.Create("spring");
    const std::string before = f.Get("/v1/campaigns/spring").body;
    Response r = Patch(f, "/v1/campaigns/spring", R"({"priority":7,"tags":["sale"]})",
                       {{"If-Match", etag}});
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(f.repo->Get("spring")->priority == 7);
    CHECK(r.body == f.Get("/v1/campaigns/spring").body);
    CHECK(r.headers.Get("ETag") != std::optional<std::string_view>(etag));
    CHECK(Contains(r.body, R"("variants":[{"key":"control","weight":0.5,"content":{"text":"a"}})"));
    // null removes a member.
    Response removed = Patch(f, "/v1/campaigns/spring", R"({"tags":null,"priority":null})",
                             {{"If-Match", std::string(*r.headers.Get("ETag"))}});
    REQUIRE_MESSAGE(removed.status == 200, removed.body);
    CHECK(removed.body == before);
  }

  TEST_CASE("If-Match: 428 without, 412 stale, 404 unknown campaign") {
    ApiFixture f;
    const std::string etag = f.Create("spring");
    REQUIRE(Patch(f, "/v1/campaigns/spring", R"({"priority":1})", {{"If-Match", etag}}).status ==
            200);
    const uint64_t version = f.store->CurrentVersion();
    CheckProblem(Patch(f, "/v1/campaigns/spring", R"({"priority":2})"), 428);
    CheckProblem(Patch(f, "/v1/campaigns/spring", R"({"priority":2})", {{"If-Match", etag}}), 412);
    CheckProblem(Patch(f, "/v1/campaigns/nope", R"({"priority":2})", {{"If-Match", "*"}}), 404);
    CHECK(f.store->CurrentVersion() == version);
    CHECK(f.repo->Get("spring")->priority == 1);
  }

  TEST_CASE("bad patches are 4xx problems and change nothing") {
    ApiFixture f;
    const std::string etag = f.Create("spring");
    const uint64_t version = f.store->CurrentVersion();
    struct Case {
      std::string body;
      int status;
      std::string names;
    };
    const Case cases[] = {
        {R"({"id":"autumn"})", 400, "id"},
        {R"({"status":"bogus"})", 400, "status"},
        {R"({"variants":null})", 400, "variants"},
        {R"({"priority":"high"})", 400, "priority"},
        {R"({"colour":"red"})", 400, "colour"},
        {R"([1])", 400, "object"},
        {R"("x")", 400, "object"},
        {R"({"priority":)", 400, "body"},
        {R"({"targeting":{"segments":["vip"]}})", 422, "vip"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.body);
      Response r = Patch(f, "/v1/campaigns/spring", c.body, {{"If-Match", etag}});
      CheckProblem(r, c.status);
      CHECK(Contains(r.body, c.names));
    }
    CheckProblem(f.SendJson("PATCH", "/v1/campaigns/spring", R"({"priority":2})",
                            {{"If-Match", etag}}),
                 415);
    CHECK(f.store->CurrentVersion() == version);
  }

  TEST_CASE("a refused status transition is 409") {
    ApiFixture f;
    const std::string etag = f.Create("spring", "ended");
    Response r = Patch(f, "/v1/campaigns/spring", R"({"status":"live"})", {{"If-Match", etag}});
    CheckProblem(r, 409);
    CHECK(f.repo->Get("spring")->status == campaign::CampaignStatus::kEnded);
  }
}

}  // namespace
}  // namespace marquee::http
