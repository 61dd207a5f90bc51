// /v2/campaigns: the same campaigns in the v2 shape (src/http/campaign_shape.h),
// where "priority" and "placements" live under "delivery". Reads render
// through the API views, writes map back to the stored shape; the two
// versions see one record (same ETag), and v1 members sent to v2 are 400.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include "api_fixture.h"
#include "http/campaign_shape.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/value.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CampaignBody;
using test::CheckProblem;
using test::Contains;

constexpr std::string_view kDelivery = R"(,"priority":10,"placements":["home.hero"])";

campaign::Value Parsed(const Response& r) {
  absl::StatusOr<campaign::Value> v = campaign::Value::Parse(r.body);
  REQUIRE_MESSAGE(v.ok(), r.body);
  return *std::move(v);
}

std::string V2Body(std::string_view id, std::string_view delivery) {
  return R"({"id":")" + std::string(id) + R"(","name":"V2","status":"draft","delivery":)" +
         std::string(delivery) + R"(,"variants":[{"key":"a","weight":1}]})";
}

TEST_SUITE("http.campaigns_v2") {
  TEST_CASE("GET /v2 groups priority and placements under delivery with the v1 ETag") {
    ApiFixture f;
    const std::string etag = f.Create("spring", "draft", kDelivery);
    Response v2 = f.Get("/v2/campaigns/spring");
    REQUIRE_MESSAGE(v2.status == 200, v2.body);
    campaign::Value body = Parsed(v2);
    CHECK(body.Find("priority") == nullptr);
    CHECK(body.Find("placements") == nullptr);
    REQUIRE(body.Find("delivery") != nullptr);
    CHECK(body.Find("delivery")->ToJsonText() == R"({"priority":10,"placements":["home.hero"]})");
    CHECK(body.members()[0].first == "id");
    CHECK(v2.headers.Get("ETag") == std::optional<std::string_view>(etag));
    Response v1 = f.Get("/v1/campaigns/spring");
    CHECK(Parsed(v1).Find("priority")->as_number() == 10);
  }

  TEST_CASE("POST /v2 stores the campaign v1 reads and answers with a /v2 Location") {
    ApiFixture f;
    Response created =
        f.SendJson("POST", "/v2/campaigns", V2Body("fresh", R"({"priority":7,"placements":["a.b"]})"));
    REQUIRE_MESSAGE(created.status == 201, created.body);
    CHECK(created.headers.Get("Location") == std::optional<std::string_view>("/v2/campaigns/fresh"));
    CHECK(Parsed(created).Find("delivery")->Find("priority")->as_number() == 7);
    campaign::Value v1 = Parsed(f.Get("/v1/campaigns/fresh"));
    CHECK(v1.Find("priority")->as_number() == 7);
    CHECK(v1.Find("placements")->ToJsonText() == R"(["a.b"])");
    CHECK(v1.Find("delivery") == nullptr);
  }

  TEST_CASE("v1 members and malformed delivery are refused by /v2") {
    ApiFixture f;
    Response v1_member = f.SendJson("POST", "/v2/campaigns", CampaignBody("x", "draft", kDelivery));
    CheckProblem(v1_member, 400);
    CHECK(Contains(v1_member.body, "delivery.priority"));
    Response unknown = f.SendJson("POST", "/v2/campaigns", V2Body("x", R"({"rank":1})"));
    CheckProblem(unknown, 400);
    CHECK(Contains(unknown.body, "delivery.rank: unknown member"));
    CheckProblem(f.SendJson("POST", "/v2/campaigns", V2Body("x", "[1]")), 400);
    CheckProblem(f.SendJson("POST", "/v2/campaigns", V2Body("x", R"({"priority":"high"})")), 400);
    // The v2 shape is not v1's either.
    CheckProblem(f.SendJson("POST", "/v1/campaigns", V2Body("y", R"({"priority":1})")), 400);
    CHECK(f.Get("/v1/campaigns/x").status == 404);
  }

  TEST_CASE("PATCH /v2 merges into delivery and keeps its other member") {
    ApiFixture f;
    const std::string etag = f.Create("spring", "draft", kDelivery);
    Response patched = f.Send("PATCH", "/v2/campaigns/spring",
                              {{"Content-Type", "application/merge-patch+json"}, {"If-Match", etag}},
                              R"({"delivery":{"priority":3}})");
    REQUIRE_MESSAGE(patched.status == 200, patched.body);
    CHECK(Parsed(patched).Find("delivery")->ToJsonText() ==
          R"({"priority":3,"placements":["home.hero"]})");
    campaign::Value v1 = Parsed(f.Get("/v1/campaigns/spring"));
    CHECK(v1.Find("priority")->as_number() == 3);
    CHECK(v1.Find("placements")->ToJsonText() == R"(["home.hero"])");
  }

  TEST_CASE("PUT /v2 replaces in the v2 shape with If-Match") {
    ApiFixture f;
    const std::string etag = f.Create("spring", "draft", kDelivery);
    std::string body = V2Body("spring", R"({"priority":1,"placements":["x.y"]})");
    Response put = f.Send("PUT", "/v2/campaigns/spring",
                          {{"Content-Type", "application/json"}, {"If-Match", etag}}, body);
    REQUIRE_MESSAGE(put.status == 200, put.body);
    CHECK(Parsed(f.Get("/v1/campaigns/spring")).Find("placements")->ToJsonText() == R"(["x.y"])");
  }

  TEST_CASE("GET /v2/campaigns lists in the v2 shape and links to /v2") {
    ApiFixture f;
    f.Create("a", "draft", kDelivery);
    f.Create("b", "draft", kDelivery);
    Response page = f.Get("/v2/campaigns?limit=1");
    REQUIRE_MESSAGE(page.status == 200, page.body);
    const campaign::Value doc = Parsed(page);
    const campaign::Value& item = doc.Find("data")->elements()[0];
    CHECK(item.Find("delivery") != nullptr);
    CHECK(item.Find("priority") == nullptr);
    std::optional<std::string_view> link = page.headers.Get("Link");
    REQUIRE(link.has_value());
    CHECK(Contains(*link, "</v2/campaigns?limit=1&after="));
  }

  TEST_CASE("a rendered body is served only for the record version it was made from") {
    ApiFixture f;
    f.Create("spring", "draft", kDelivery);
    for (const std::string path : {"/v1/campaigns/spring", "/v2/campaigns/spring"}) {
      REQUIRE(f.Get(path).status == 200);  // rendered and kept
      REQUIRE(f.Get(path).status == 200);  // served from what was kept
    }
    // A write that bypasses the Api (another node, a tool) is seen at once.
    f.PutRecord(campaign::kCampaignsCollection, "spring",
                R"({"name":"Renamed elsewhere","status":"draft","priority":4,"variants":[{"key":"a","weight":1}]})");
    CHECK(Parsed(f.Get("/v1/campaigns/spring")).Find("name")->as_string() == "Renamed elsewhere");
    CHECK(Parsed(f.Get("/v2/campaigns/spring")).Find("delivery")->ToJsonText() ==
          R"({"priority":4,"placements":[]})");
    REQUIRE(f.Send("DELETE", "/v1/campaigns/spring").status == 204);
    CHECK(f.Get("/v1/campaigns/spring").status == 404);
    CHECK(f.Get("/v2/campaigns/spring").status == 404);
  }

  TEST_CASE("the v2 mapping round-trips a stored body") {
    absl::StatusOr<Json> stored = Json::Parse(
        R"({"name":"n","status":"draft","priority":2,"placements":["p"],"variants":[]})");
    REQUIRE(stored.ok());
    absl::StatusOr<Json> v2 = internal::CampaignBodyToV2(*stored);
    REQUIRE(v2.ok());
    CHECK(v2->text() ==
          R"({"name":"n","status":"draft","delivery":{"priority":2,"placements":["p"]},"variants":[]})");
    absl::StatusOr<Json> back = internal::CampaignBodyFromV2(*v2);
    REQUIRE(back.ok());
    CHECK(back->text() == stored->text());
  }
}

}  // namespace
}  // namespace marquee::http
