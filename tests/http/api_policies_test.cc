// The rules Api::Handle applies around every route: API keys and scopes
// (401 with one body, 403), end-user tokens binding the user of delivery
// routes, rate limits (429 with Retry-After), compressed answers and
// request bodies, CORS on delivery routes, and GET /metrics.
#include <doctest/doctest.h>
#include <zlib.h>

#include <optional>
#include <string>

#include "gzip_for_test.h"
#include "absl/time/time.h"
#include "api_fixture.h"
#include "http/content_coding.h"
#include "jwt_for_test.h"
#include "marquee/http/auth.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CampaignBody;
using test::CheckProblem;
using test::Contains;
using test::Domain;
using Sv = std::optional<std::string_view>;

constexpr std::string_view kAdminKey = "admin-secret-key";
constexpr std::string_view kReadKey = "read-secret-key";
constexpr std::string_view kDeliveryKey = "delivery-secret-key";

AuthOptions Keys() {
  return {.keys = {{.name = "ops", .sha256_hex = HashApiKey(kAdminKey), .scope = ApiScope::kAdmin},
                   {.name = "dash", .sha256_hex = HashApiKey(kReadKey), .scope = ApiScope::kRead},
                   {.name = "web",
                    .sha256_hex = HashApiKey(kDeliveryKey),
                    .scope = ApiScope::kDelivery}}};
}

Headers Bearer(std::string_view key) {
  return {{"Authorization", "Bearer " + std::string(key)}};
}

std::string PollBody() {
  return R"({"id":"colour","question":"Which colour?","options":[{"key":"red","label":"Red"},)"
         R"({"key":"blue","label":"Blue"}]})";
}

TEST_CASE("policies: without a key only the open routes answer, all refusals alike") {
  ApiFixture f({.auth = Keys()});
  CHECK(f.Get("/healthz").status == 200);
  CHECK(f.Send("OPTIONS", "/v1/campaigns").status == 204);
  Response missing = f.Get("/v1/campaigns/x");
  Response unknown = f.Get("/v1/campaigns/x", Bearer("nope"));
  Response basic = f.Get("/v1/campaigns/x", {{"Authorization", "Basic b3BzOnB3"}});
  CheckProblem(missing, 401);
  CHECK(missing.headers.Get("WWW-Authenticate") == Sv("Bearer"));
  CHECK(unknown.body == missing.body);
  CHECK(basic.body == missing.body);
  CheckProblem(f.Get("/metrics"), 401);
}

TEST_CASE("policies: scopes decide what a key may do") {
  ApiFixture f({.auth = Keys()}, Domain{.decider = true});
  const uint64_t version = f.store->CurrentVersion();
  Headers admin = Bearer(kAdminKey);
  admin.Add("Content-Type", "application/json");
  CHECK(f.Send("POST", "/v1/campaigns", admin, CampaignBody("spring")).status == 201);
  CHECK(f.Get("/v1/campaigns/spring", Bearer(kReadKey)).status == 200);
  CHECK(f.Get("/metrics", Bearer(kReadKey)).status == 200);
  Headers read = Bearer(kReadKey);
  read.Add("Content-Type", "application/json");
  const uint64_t after_create = f.store->CurrentVersion();
  CHECK(after_create > version);
  CheckProblem(f.Send("POST", "/v1/campaigns", read, CampaignBody("autumn")), 403);
  CheckProblem(f.Get("/v1/campaigns/spring", Bearer(kDeliveryKey)), 403);
  CHECK(f.Get("/v1/decide?user=u1", Bearer(kDeliveryKey)).status == 200);
  CHECK(f.Get("/v1/features", Bearer(kDeliveryKey)).status == 200);
  CHECK(f.store->CurrentVersion() == after_create);
}

std::string Token(std::string_view subject, int64_t expires_in_seconds, const ApiFixture& f) {
  return test::SignJwt(test::kHs256Header,
                       R"({"sub":")" + std::string(subject) + R"(","exp":)" +
                           std::to_string(absl::ToUnixSeconds(f.clock.Now()) + expires_in_seconds) +
                           "}");
}

TEST_CASE("policies: an end-user token decides who votes") {
  ApiFixture f({.auth = {.jwt_secret = std::string(test::kJwtSecret)}}, Domain{.polls = true});
  REQUIRE(f.SendJson("POST", "/v1/polls", PollBody()).status == 201);
  const std::string token = Token("alice", 300, f);

  // The user comes from the token; a body naming someone else is refused.
  Response own = f.SendJson("POST", "/v1/polls/colour/votes", R"({"option":"red"})",
                            {{"X-User-Token", token}});
  CHECK_MESSAGE(own.status == 201, own.body);
  CHECK(Contains(own.body, R"("user":"alice")"));
  const uint64_t version = f.store->CurrentVersion();
  CheckProblem(f.SendJson("POST", "/v1/polls/colour/votes", R"({"user":"bob","option":"blue"})",
                          {{"X-User-Token", token}}),
               403);
  CHECK(f.store->CurrentVersion() == version);

  // No token, an expired one, alg none, a forged one: the same 401.
  Response none = f.SendJson("POST", "/v1/polls/colour/votes", R"({"user":"bob","option":"red"})");
  CheckProblem(none, 401);
  const std::string forged = test::SignJwt(test::kHs256Header, R"({"sub":"bob","exp":9999999999})",
                                           "ffffffffffffffffffffffffffffffff");
  const std::string alg_none = test::Base64Url(R"({"alg":"none"})") + "." +
                               test::Base64Url(R"({"sub":"bob","exp":9999999999})") + ".";
  for (const std::string& bad : {Token("bob", -61, f), forged, alg_none, std::string("x.y.z")}) {
    Response r = f.SendJson("POST", "/v1/polls/colour/votes", R"({"option":"red"})",
                            {{"X-User-Token", bad}});
    CHECK(r.status == 401);
    CHECK(r.body == none.body);
  }
  CHECK(f.store->CurrentVersion() == version);
  // Admin routes do not look at user tokens.
  CHECK(f.Get("/v1/polls/colour").status == 200);
}

TEST_CASE("policies: delivery routes are rate limited per address with Retry-After") {
  ApiFixture f({.rate_limits = {.per_address_per_second = 1, .per_address_burst = 3}},
               Domain{.decider = true});
  for (int i = 0; i < 3; ++i) CHECK(f.Get("/v1/decide?user=u1").status == 200);
  Response limited = f.Get("/v1/decide?user=u1");
  CheckProblem(limited, 429);
  CHECK(limited.headers.Get("Retry-After") == Sv("1"));
  // Admin routes are not limited; another address has its own bucket.
  CHECK(f.Get("/v1/campaigns").status == 200);
  CHECK(f.api->Handle({.method = "GET", .target = "/v1/decide?user=u1",
                       .remote_address = "198.51.100.9:5000"})
            .status == 200);
  f.clock.Advance(absl::Seconds(1));
  CHECK(f.Get("/v1/decide?user=u1").status == 200);
}

TEST_CASE("policies: large answers are compressed and their tags still revalidate") {
  ApiFixture f;
  const std::string long_name(2000, 'x');
  REQUIRE(f.SendJson("POST", "/v1/campaigns",
                     R"({"id":"big","name":"Big","status":"draft","attributes":{"note":")" +
                         long_name +
                         R"("},"variants":[{"key":"a","weight":1}]})")
              .status == 201);
  Response plain = f.Get("/v1/campaigns/big");
  Response zipped = f.Get("/v1/campaigns/big", {{"Accept-Encoding", "gzip"}});
  CHECK(zipped.headers.Get("Content-Encoding") == Sv("gzip"));
  CHECK(zipped.headers.Get("Vary") == Sv("Accept-Encoding"));
  CHECK(zipped.body.size() < plain.body.size() / 4);
  CHECK(internal::InflateBody(zipped.body, "gzip", 1 << 20).value() == plain.body);
  const std::string tag(*zipped.headers.Get("ETag"));
  CHECK(tag == std::string(*plain.headers.Get("ETag")).insert(plain.headers.Get("ETag")->size() - 1,
                                                              "-gzip"));
  CHECK(f.Get("/v1/campaigns/big", {{"If-None-Match", tag}, {"Accept-Encoding", "gzip"}}).status ==
        304);
  // The suffixed tag also satisfies If-Match of a write.
  Response put = f.SendJson("PUT", "/v1/campaigns/big", CampaignBody(""), {{"If-Match", tag}});
  CHECK_MESSAGE(put.status == 200, put.body);
}

TEST_CASE("policies: gzip request bodies are inflated within the body limit") {
  ApiFixture f({.max_body_bytes = 4096});
  Response created = f.SendJson("POST", "/v1/campaigns", test::Gzip(CampaignBody("zipped")),
                                {{"Content-Encoding", "gzip"}});
  CHECK_MESSAGE(created.status == 201, created.body);
  const uint64_t version = f.store->CurrentVersion();
  CheckProblem(f.SendJson("POST", "/v1/campaigns", test::Gzip(std::string(1 << 20, ' ')),
                          {{"Content-Encoding", "gzip"}}),
               413);
  CheckProblem(f.SendJson("POST", "/v1/campaigns", "not gzip", {{"Content-Encoding", "gzip"}}),
               400);
  CheckProblem(f.SendJson("POST", "/v1/campaigns", "x", {{"Content-Encoding", "br"}}), 415);
  CHECK(f.store->CurrentVersion() == version);
}

TEST_CASE("policies: CORS headers on delivery routes only") {
  ApiFixture f({.cors_origins = {"https://shop.example"}}, Domain{.decider = true});
  Response decide = f.Get("/v1/decide?user=u1", {{"Origin", "https://shop.example"}});
  CHECK(decide.headers.Get("Access-Control-Allow-Origin") == Sv("https://shop.example"));
  Response preflight = f.Send("OPTIONS", "/v1/decide",
                              {{"Origin", "https://shop.example"},
                               {"Access-Control-Request-Method", "POST"}});
  CHECK(preflight.status == 204);
  CHECK(preflight.headers.Has("Access-Control-Allow-Methods"));
  Response admin = f.Get("/v1/campaigns", {{"Origin", "https://shop.example"}});
  CHECK_FALSE(admin.headers.Has("Access-Control-Allow-Origin"));
}

TEST_CASE("policies: /metrics counts requests by route pattern and adds the host's metrics") {
  ApiFixture f({.extra_metrics = [](PrometheusText& out) {
    out.Gauge("marquee_test_queue_depth", "A host metric.", 7);
  }});
  f.Get("/v1/campaigns/a");
  f.Get("/v1/campaigns/b");
  f.Get("/nowhere");
  Response metrics = f.Get("/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.headers.Get("Content-Type") == Sv(kPrometheusContentType));
  CHECK(Contains(metrics.body,
                 R"(marquee_http_requests_total{route="/v1/campaigns/{id}",method="GET",status="404"} 2)"));
  CHECK(Contains(metrics.body,
                 R"(marquee_http_requests_total{route="unmatched",method="GET",status="404"} 1)"));
  CHECK(Contains(metrics.body, "marquee_test_queue_depth 7\n"));
  CHECK_FALSE(Contains(metrics.body, "/v1/campaigns/a"));
}

TEST_CASE("policies: bad options are refused by Create") {
  CHECK_FALSE(Api::Create({.store = nullptr}).ok());
  ApiFixture f;
  ApiOptions bad{.store = f.store.get(), .campaigns = f.repo.get()};
  bad.auth.jwt_secret = "short";
  CHECK(Api::Create(bad).status().code() == absl::StatusCode::kInvalidArgument);
  bad.auth = {};
  bad.rate_limits.per_key_burst = 0;
  CHECK(Api::Create(bad).status().code() == absl::StatusCode::kInvalidArgument);
  bad.rate_limits = {};
  bad.cors_origins = {"https://a b"};
  CHECK(Api::Create(bad).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace marquee::http
