// /v1/webhooks on the Api: POST (201, Location, ETag, the secret shown once,
// 409, 400s naming the member), GET one (no secret, ETag, 304) and the list,
// PATCH (428, 412, merge patch, pause and resume, secret rotation, id kept),
// DELETE (412 stale, 204, 404 after), the delivery log pages, admin scope
// only; refused requests change nothing.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include "api_fixture.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/value.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CheckProblem;
using test::Contains;
using test::Domain;

constexpr Domain kWebhooks{.webhooks = true};
constexpr std::string_view kHook =
    R"({"id":"ops","url":"https://hooks.example/marquee","events":["campaign.changed","poll.closed"]})";

campaign::Value Parse(std::string_view text) {
  absl::StatusOr<campaign::Value> v = campaign::Value::Parse(text);
  REQUIRE_MESSAGE(v.ok(), v.status().ToString());
  return *v;
}

std::string CreateHook(ApiFixture& f) {
  Response r = f.SendJson("POST", "/v1/webhooks", std::string(kHook));
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return std::string(*r.headers.Get("ETag"));
}

Headers MergePatch(std::string etag) {
  return {{"Content-Type", "application/merge-patch+json"}, {"If-Match", std::move(etag)}};
}

TEST_SUITE("http.webhooks") {
  TEST_CASE("POST creates and shows the secret once, GET hides it, 304, list") {
    ApiFixture f({}, kWebhooks);
    Response r = f.SendJson("POST", "/v1/webhooks", std::string(kHook));
    REQUIRE_MESSAGE(r.status == 201, r.body);
    CHECK(r.headers.Get("Location") == std::optional<std::string_view>("/v1/webhooks/ops"));
    CHECK(r.headers.Get("Cache-Control") == std::optional<std::string_view>("no-store"));
    const campaign::Value created = Parse(r.body);
    const std::string secret(created.Find("secret")->as_string());
    CHECK(secret.starts_with("whsec_"));
    CHECK(created.Find("paused")->as_bool() == false);
    CHECK(f.webhooks->GetSubscription("ops")->secret == secret);

    Response get = f.Get("/v1/webhooks/ops");
    REQUIRE(get.status == 200);
    CHECK(!Contains(get.body, "secret"));
    CHECK(!Contains(get.body, secret));
    CHECK(Parse(get.body).Find("url")->as_string() == "https://hooks.example/marquee");
    CHECK(f.Get("/v1/webhooks/ops", {{"If-None-Match", std::string(*r.headers.Get("ETag"))}})
              .status == 304);
    CheckProblem(f.Get("/v1/webhooks/nope"), 404);

    // Without an id the server makes one.
    Response anonymous = f.SendJson(
        "POST", "/v1/webhooks", R"({"url":"http://127.0.0.1:9/h","events":["*"]})");
    REQUIRE_MESSAGE(anonymous.status == 201, anonymous.body);
    CHECK(Parse(anonymous.body).Find("id")->as_string().starts_with("wh_"));

    Response list = f.Get("/v1/webhooks");
    REQUIRE(list.status == 200);
    const campaign::Value page = Parse(list.body);
    CHECK(page.Find("data")->size() == 2);
    CHECK(page.GetPath("page.has_more")->as_bool() == false);
    CHECK(!Contains(list.body, secret));
  }

  TEST_CASE("POST: 409 for an existing id, 400 naming the member, nothing stored") {
    ApiFixture f({}, kWebhooks);
    CreateHook(f);
    const uint64_t version = f.store->CurrentVersion();
    CheckProblem(f.SendJson("POST", "/v1/webhooks", std::string(kHook)), 409);
    const std::pair<std::string, std::string> cases[] = {
        {R"({"id":"x","events":["*"]})", "url"},
        {R"({"id":"x","url":"file:///etc/passwd","events":["*"]})", "url"},
        {R"({"id":"x","url":"http://a:b@h/","events":["*"]})", "url"},
        {R"({"id":"x","url":"http://h/","events":["nope"]})", "events[0]"},
        {R"({"id":"x","url":"http://h/","events":[]})", "events"},
        {R"({"id":"x","url":"http://h/","events":["*"],"secret":"s"})", "secret"},
        {R"({"id":"a/b","url":"http://h/","events":["*"]})", "id"},
        {R"({"id":7,"url":"http://h/","events":["*"]})", "id"},
        {R"({"id":"x","url":"http://h/","events":["*"],"extra":1})", "extra"},
        {R"({"id":"x",)", "body"},
    };
    for (const auto& [body, names] : cases) {
      CAPTURE(body);
      Response r = f.SendJson("POST", "/v1/webhooks", body);
      CheckProblem(r, 400);
      CHECK(Contains(r.body, names));
    }
    CheckProblem(f.Send("POST", "/v1/webhooks", {}, std::string(kHook)), 415);
    CHECK(f.store->CurrentVersion() == version);
  }

  TEST_CASE("PATCH: 428, 412, pause and resume, rotate the secret, the id stays") {
    ApiFixture f({}, kWebhooks);
    const std::string etag = CreateHook(f);
    const std::string old_secret = f.webhooks->GetSubscription("ops")->secret;
    CheckProblem(f.Send("PATCH", "/v1/webhooks/ops",
                        {{"Content-Type", "application/merge-patch+json"}}, R"({"paused":true})"),
                 428);
    CheckProblem(f.Send("PATCH", "/v1/webhooks/ops", MergePatch("\"999\""), R"({"paused":true})"),
                 412);
    CheckProblem(f.Send("PATCH", "/v1/webhooks/ops", MergePatch(etag), R"({"id":"other"})"), 400);
    CheckProblem(f.Send("PATCH", "/v1/webhooks/ops", MergePatch(etag), R"({"url":"ftp://x"})"), 400);
    CheckProblem(f.Send("PATCH", "/v1/webhooks/ops", MergePatch(etag), R"([1])"), 400);
    CheckProblem(f.Send("PATCH", "/v1/webhooks/nope", MergePatch(etag), R"({"paused":true})"),
                 404);

    Response paused = f.Send("PATCH", "/v1/webhooks/ops", MergePatch(etag),
                             R"({"paused":true,"pausedReason":"maintenance","events":["*"]})");
    REQUIRE_MESSAGE(paused.status == 200, paused.body);
    CHECK(Parse(paused.body).Find("pausedReason")->as_string() == "maintenance");
    CHECK(Parse(paused.body).Find("events")->At(0).as_string() == "*");
    CHECK(!Contains(paused.body, "secret"));
    CHECK(f.webhooks->GetSubscription("ops")->secret == old_secret);

    const std::string new_secret = "whsec_" + std::string(44, 'A');
    Response resumed =
        f.Send("PATCH", "/v1/webhooks/ops", MergePatch(std::string(*paused.headers.Get("ETag"))),
               R"({"paused":false,"secret":")" + new_secret + R"("})");
    REQUIRE_MESSAGE(resumed.status == 200, resumed.body);
    CHECK(Parse(resumed.body).Find("paused")->as_bool() == false);
    CHECK(Parse(resumed.body).Find("pausedReason")->as_string().empty());
    CHECK(f.webhooks->GetSubscription("ops")->secret == new_secret);
  }

  TEST_CASE("DELETE: 412 stale, 204, then 404, and the empty log") {
    ApiFixture f({}, kWebhooks);
    const std::string etag = CreateHook(f);
    CheckProblem(f.Get("/v1/webhooks/ops/deliveries?limit=0"), 400);
    CheckProblem(f.Get("/v1/webhooks/ops/deliveries?after=%21%21"), 400);
    CheckProblem(f.Get("/v1/webhooks/ops/deliveries?after=b3RoZXIvaWQ"), 400);  // "other/id"
    CheckProblem(f.Get("/v1/webhooks/nope/deliveries"), 404);
    Response log = f.Get("/v1/webhooks/ops/deliveries?limit=5");
    REQUIRE(log.status == 200);
    CHECK(log.body == R"({"data":[],"page":{"next":null,"prev":null,"has_more":false}})");

    CheckProblem(f.Send("DELETE", "/v1/webhooks/ops", {{"If-Match", "\"999\""}}), 412);
    CHECK(f.Send("DELETE", "/v1/webhooks/ops", {{"If-Match", etag}}).status == 204);
    CheckProblem(f.Get("/v1/webhooks/ops"), 404);
    CheckProblem(f.Send("DELETE", "/v1/webhooks/ops"), 404);
  }

  TEST_CASE("the delivery log pages with next cursors and a Link") {
    ApiFixture f({}, kWebhooks);
    CreateHook(f);
    // Deliveries as the service records them (it is not started here).
    for (int i = 0; i < 3; ++i) {
      const std::string id = "ops/campaign.changed/c" + std::to_string(i) + "/1";
      f.PutRecord(campaign::kWebhookDeliveriesCollection, id,
                  R"({"subscription":"ops","eventId":"campaign.changed/c)" + std::to_string(i) +
                      R"(/1","type":"campaign.changed","payload":"{\"id\":\"e\"}","state":"succeeded",)"
                      R"("attempts":1,"createdAt":"2026-03-01T00:00:00Z","nextAttemptAt":"2026-03-01T00:00:00Z",)"
                      R"("lastAttemptAt":"2026-03-01T00:00:01Z","lastStatus":200,"lastError":""})");
    }
    Response first = f.Get("/v1/webhooks/ops/deliveries?limit=2");
    REQUIRE_MESSAGE(first.status == 200, first.body);
    const campaign::Value page = Parse(first.body);
    CHECK(page.Find("data")->size() == 2);
    CHECK(page.GetPath("page.has_more")->as_bool());
    CHECK(page.Find("data")->At(0).GetPath("payload.id")->as_string() == "e");
    const std::string next(page.GetPath("page.next")->as_string());
    REQUIRE(first.headers.Get("Link").has_value());
    CHECK(Contains(*first.headers.Get("Link"), "after=" + next));
    Response second = f.Get("/v1/webhooks/ops/deliveries?limit=2&after=" + next);
    REQUIRE(second.status == 200);
    CHECK(Parse(second.body).Find("data")->size() == 1);
    CHECK(Parse(second.body).GetPath("page.next")->is_null());
  }

  TEST_CASE("only an admin key reaches /v1/webhooks, even to read") {
    const std::string admin = "admin-key-for-webhooks";
    const std::string read = "read-key-for-webhooks";
    ApiFixture f({.auth = {.keys = {{.name = "ops", .sha256_hex = HashApiKey(admin),
                                     .scope = ApiScope::kAdmin},
                                    {.name = "dash", .sha256_hex = HashApiKey(read),
                                     .scope = ApiScope::kRead}}}},
                 kWebhooks);
    CheckProblem(f.Get("/v1/webhooks", {{"Authorization", "Bearer " + read}}), 403);
    CheckProblem(f.Get("/v1/webhooks/x/deliveries", {{"Authorization", "Bearer " + read}}), 403);
    CheckProblem(f.Get("/v1/webhooks"), 401);
    CHECK(f.Get("/v1/webhooks", {{"Authorization", "Bearer " + admin}}).status == 200);
  }

  TEST_CASE("without a webhook service the routes are 404") {
    ApiFixture f;
    CheckProblem(f.Get("/v1/webhooks"), 404);
  }
}

}  // namespace
}  // namespace marquee::http
