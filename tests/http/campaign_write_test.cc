// POST, PUT and DELETE of campaigns: 201 + Location + ETag, validation
// problems naming the field, 409 on an existing id or a refused transition,
// 422 for an unknown segment, If-Match rules (428 missing, 412 stale, "*"),
// and 5xx on write failures without internal text.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include "api_fixture.h"
#include "marquee/campaign/campaign.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CampaignBody;
using test::CheckProblem;
using test::Contains;

TEST_SUITE("http.campaign_write") {
  TEST_CASE("POST creates: 201, Location, ETag, the representation") {
    ApiFixture f;
    Response r = f.SendJson("POST", "/v1/campaigns", CampaignBody("spring"));
    REQUIRE(r.status == 201);
    CHECK(r.headers.Get("Location") == std::optional<std::string_view>("/v1/campaigns/spring"));
    absl::StatusOr<campaign::Campaign> stored = f.repo->Get("spring");
    REQUIRE(stored.ok());
    CHECK(r.headers.Get("ETag") ==
          std::optional<std::string_view>("\"" + std::to_string(stored->version) + "\""));
    CHECK(r.headers.Get("Content-Type") == std::optional<std::string_view>("application/json"));
    CHECK(r.body == f.Get("/v1/campaigns/spring").body);
    CHECK(stored->name == "Campaign spring");
  }

  TEST_CASE("Location percent-encodes the id") {
    ApiFixture f;
    Response r = f.SendJson("POST", "/v1/campaigns", CampaignBody("spring sale"));
    REQUIRE(r.status == 201);
    CHECK(r.headers.Get("Location") ==
          std::optional<std::string_view>("/v1/campaigns/spring%20sale"));
    CHECK(f.Get("/v1/campaigns/spring%20sale").status == 200);
  }

  TEST_CASE("POST of an existing id is 409 and changes nothing") {
    ApiFixture f;
    f.Create("spring");
    const uint64_t version = f.store->CurrentVersion();
    Response r = f.SendJson("POST", "/v1/campaigns", CampaignBody("spring", "scheduled"));
    CheckProblem(r, 409);
    CHECK(f.store->CurrentVersion() == version);
    CHECK(f.repo->Get("spring")->status == campaign::CampaignStatus::kDraft);
  }

  TEST_CASE("validation errors are 400 problems naming the field") {
    ApiFixture f;
    struct Case {
      std::string body;
      std::string field;
    };
    const Case cases[] = {
        {R"({"name":"x","status":"draft","variants":[]})", "id"},
        {R"({"id":7,"name":"x","status":"draft","variants":[]})", "id"},
        {CampaignBody("a", "running"), "status"},
        {CampaignBody("a", "draft", R"(,"priority":"high")"), "priority"},
        {CampaignBody("a", "draft", R"(,"colour":"red")"), "colour"},
        {R"({"id":"a","name":"x","status":"draft","variants":[{"key":"c","weight":-0.2}]})",
         "variants[0].weight"},
        {R"({"id":"a","status":"draft","variants":[{"key":"c","weight":1}]})", "name"},
        {R"([1,2])", "body"},
        {R"("just a string")", "body"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.body);
      Response r = f.SendJson("POST", "/v1/campaigns", c.body);
      CheckProblem(r, 400);
      CHECK(Contains(r.body, c.field));
    }
    CHECK(f.store->CurrentVersion() == 0);
  }

  TEST_CASE("ids no URL path could address are refused at creation") {
    ApiFixture f;
    for (const char* id : {"a/b", ".", ".."}) {
      CAPTURE(id);
      Response r = f.SendJson("POST", "/v1/campaigns", CampaignBody(id));
      CheckProblem(r, 400);
      CHECK(Contains(r.body, "id"));
    }
    CHECK(f.store->CurrentVersion() == 0);
  }

  TEST_CASE("a reference to an unknown segment is 422") {
    ApiFixture f;
    Response r = f.SendJson("POST", "/v1/campaigns",
                            CampaignBody("a", "draft", R"(,"targeting":{"segments":["vip"]})"));
    CheckProblem(r, 422);
    CHECK(Contains(r.body, "vip"));
  }

  TEST_CASE("PUT requires If-Match: 428 without it, nothing changes") {
    ApiFixture f;
    f.Create("spring");
    const uint64_t version = f.store->CurrentVersion();
    Response r = f.SendJson("PUT", "/v1/campaigns/spring", CampaignBody("spring", "live"));
    CheckProblem(r, 428);
    CHECK(f.store->CurrentVersion() == version);
  }

  TEST_CASE("PUT with the current ETag replaces, a stale one is 412") {
    ApiFixture f;
    const std::string etag = f.Create("spring");
    Response r =
        f.SendJson("PUT", "/v1/campaigns/spring",
                   CampaignBody("spring", "draft", R"(,"priority":9)"), {{"If-Match", etag}});
    REQUIRE_MESSAGE(r.status == 200, r.body);
    std::optional<std::string_view> new_etag = r.headers.Get("ETag");
    REQUIRE(new_etag.has_value());
    CHECK(*new_etag != etag);
    CHECK(f.repo->Get("spring")->priority == 9);
    CHECK(r.body == f.Get("/v1/campaigns/spring").body);

    const uint64_t version = f.store->CurrentVersion();
    Response stale =
        f.SendJson("PUT", "/v1/campaigns/spring",
                   CampaignBody("spring", "draft", R"(,"priority":1)"), {{"If-Match", etag}});
    CheckProblem(stale, 412);
    CHECK(f.store->CurrentVersion() == version);
    CHECK(f.repo->Get("spring")->priority == 9);
  }

  TEST_CASE("PUT: the body may omit the id, a different id is 400") {
    ApiFixture f;
    const std::string etag = f.Create("spring");
    Response r = f.SendJson("PUT", "/v1/campaigns/spring", CampaignBody(""), {{"If-Match", etag}});
    CHECK_MESSAGE(r.status == 200, r.body);
    Response other =
        f.SendJson("PUT", "/v1/campaigns/spring", CampaignBody("autumn"), {{"If-Match", "*"}});
    CheckProblem(other, 400);
    CHECK(Contains(other.body, "id"));
  }

  TEST_CASE("PUT with If-Match '*' or a list holding the current ETag") {
    ApiFixture f;
    std::string etag = f.Create("spring");
    Response r =
        f.SendJson("PUT", "/v1/campaigns/spring", CampaignBody("spring"), {{"If-Match", "*"}});
    CHECK(r.status == 200);
    etag = std::string(*r.headers.Get("ETag"));
    r = f.SendJson("PUT", "/v1/campaigns/spring", CampaignBody("spring"),
                   {{"If-Match", "\"1\", " + etag}});
    CHECK(r.status == 200);
    // A weak tag never satisfies If-Match.
    etag = std::string(*r.headers.Get("ETag"));
    CheckProblem(f.SendJson("PUT", "/v1/campaigns/spring", CampaignBody("spring"),
                            {{"If-Match", "W/" + etag}}),
                 412);
  }

  TEST_CASE("PUT of an unknown campaign is 404, a refused transition 409") {
    ApiFixture f;
    CheckProblem(f.SendJson("PUT", "/v1/campaigns/nope", CampaignBody("nope"), {{"If-Match", "*"}}),
                 404);
    const std::string etag = f.Create("spring", "ended");
    Response r = f.SendJson("PUT", "/v1/campaigns/spring", CampaignBody("spring", "live"),
                            {{"If-Match", etag}});
    CheckProblem(r, 409);
    CHECK(Contains(r.body, "ended"));
  }

  TEST_CASE("DELETE: 204, then 404, If-Match optional, stale 412") {
    ApiFixture f;
    const std::string etag = f.Create("spring");
    f.Create("autumn");
    CheckProblem(f.Send("DELETE", "/v1/campaigns/spring", {{"If-Match", "\"999\""}}), 412);
    CHECK(f.repo->Get("spring").ok());
    Response r = f.Send("DELETE", "/v1/campaigns/spring", {{"If-Match", etag}});
    CHECK(r.status == 204);
    CHECK(r.body.empty());
    CheckProblem(f.Get("/v1/campaigns/spring"), 404);
    CheckProblem(f.Send("DELETE", "/v1/campaigns/spring"), 404);
    CHECK(f.Send("DELETE", "/v1/campaigns/autumn").status == 204);
  }

  TEST_CASE("DELETE of a live campaign is 409 (end it first)") {
    ApiFixture f;
    f.Create("spring", "live");
    Response r = f.Send("DELETE", "/v1/campaigns/spring");
    CheckProblem(r, 409);
    CHECK(f.repo->Get("spring").ok());
  }

  TEST_CASE("write failures are 5xx without internal text, 4xx rules first") {
    ApiFixture f;
    const std::string etag = f.Create("spring");
    f.store->FailWrites(absl::InternalError(test::kSecret));
    CheckProblem(f.SendJson("POST", "/v1/campaigns", CampaignBody("autumn")), 500);
    CheckProblem(
        f.SendJson("PUT", "/v1/campaigns/spring", CampaignBody("spring"), {{"If-Match", etag}}),
        500);
    CheckProblem(f.Send("DELETE", "/v1/campaigns/spring"), 500);
    f.store->FailWrites(absl::ResourceExhaustedError(test::kSecret));
    Response r = f.SendJson("POST", "/v1/campaigns", CampaignBody("autumn"));
    CHECK(r.status == 429);
    CHECK(r.headers.Get("Retry-After") == std::optional<std::string_view>("1"));
    f.store->FailWrites(absl::DataLossError(test::kSecret));
    CheckProblem(f.SendJson("POST", "/v1/campaigns", CampaignBody("autumn")), 500);
    f.store->FailWrites(absl::OkStatus());
    CHECK(f.SendJson("POST", "/v1/campaigns", CampaignBody("autumn")).status == 201);
  }
}

}  // namespace
}  // namespace marquee::http
