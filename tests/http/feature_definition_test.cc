// /v1/features/{key} and POST /v1/features: the feature definitions one by
// one (201, Location, ETag, 304, 409, 400 naming the field of a definition
// that would not compile, PUT/PATCH 428 and 412, DELETE), served in the SDK
// payload of GET /v1/features once written; a delivery key may read the
// payload but not write a definition. Refused requests change nothing.
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

constexpr Domain kFeatures{.decider = true, .features = true};
constexpr std::string_view kDarkMode =
    R"({"id":"dark-mode","defaultValue":false,"rules":[{"condition":{"beta":true},"force":true}]})";

std::string CreateDarkMode(ApiFixture& f) {
  Response r = f.SendJson("POST", "/v1/features", std::string(kDarkMode));
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return std::string(*r.headers.Get("ETag"));
}

Headers IfMatch(std::string etag) { return {{"If-Match", std::move(etag)}}; }

TEST_SUITE("http.features") {
  TEST_CASE("POST creates: 201, Location, ETag, GET the same, 304, the payload serves it") {
    ApiFixture f({}, kFeatures);
    Response r = f.SendJson("POST", "/v1/features", std::string(kDarkMode));
    REQUIRE_MESSAGE(r.status == 201, r.body);
    CHECK(r.body == kDarkMode);
    CHECK(r.headers.Get("Location") == std::optional<std::string_view>("/v1/features/dark-mode"));
    Response get = f.Get("/v1/features/dark-mode");
    CHECK(get.status == 200);
    CHECK(get.body == kDarkMode);
    CHECK(f.Get("/v1/features/dark-mode", {{"If-None-Match", std::string(*r.headers.Get("ETag"))}})
              .status == 304);
    CheckProblem(f.Get("/v1/features/nope"), 404);
    f.Sync();
    Response payload = f.Get("/v1/features");
    REQUIRE(payload.status == 200);
    CHECK(Contains(payload.body, R"("dark-mode":{"defaultValue":false,"rules":[)"));
  }

  TEST_CASE("POST: 409 for an existing key, 400 naming what is wrong, nothing stored") {
    ApiFixture f({}, kFeatures);
    CreateDarkMode(f);
    const uint64_t version = f.store->CurrentVersion();
    CheckProblem(f.SendJson("POST", "/v1/features", std::string(kDarkMode)), 409);
    const std::pair<std::string, std::string> cases[] = {
        {R"({"defaultValue":1})", "id"},
        {R"({"id":"a/b","defaultValue":1})", "key"},
        {R"({"id":"x","rules":"all"})", "rules"},
        {R"({"id":"x","rules":[{"force":1,"hashVersion":1.5}]})", "hashVersion"},
        {R"({"id":"x","rules":[{"condition":[1],"force":1}]})", "condition"},
        {R"({"id":"x",)", "body"},
    };
    for (const auto& [body, names] : cases) {
      CAPTURE(body);
      Response r = f.SendJson("POST", "/v1/features", body);
      CheckProblem(r, 400);
      CHECK(Contains(r.body, names));
    }
    CheckProblem(f.Send("POST", "/v1/features", {}, std::string(kDarkMode)), 415);
    CHECK(f.store->CurrentVersion() == version);
  }

  TEST_CASE("PUT and PATCH: 428 without If-Match, 412 stale, 404 unknown, 200 current") {
    ApiFixture f({}, kFeatures);
    const std::string etag = CreateDarkMode(f);
    const std::string replacement = R"({"id":"dark-mode","defaultValue":true})";
    CheckProblem(f.SendJson("PUT", "/v1/features/dark-mode", replacement), 428);
    CheckProblem(f.SendJson("PUT", "/v1/features/dark-mode", replacement, IfMatch("\"999\"")), 412);
    CheckProblem(f.SendJson("PUT", "/v1/features/nope", replacement, IfMatch(etag)), 404);
    CheckProblem(f.SendJson("PUT", "/v1/features/dark-mode", R"({"id":"other","defaultValue":1})",
                            IfMatch(etag)),
                 400);
    Response put = f.SendJson("PUT", "/v1/features/dark-mode", replacement, IfMatch(etag));
    REQUIRE_MESSAGE(put.status == 200, put.body);
    CHECK(put.body == replacement);
    CHECK(std::string(*put.headers.Get("ETag")) != etag);

    Headers patch_headers{{"Content-Type", "application/merge-patch+json"},
                          {"If-Match", std::string(*put.headers.Get("ETag"))}};
    CheckProblem(f.Send("PATCH", "/v1/features/dark-mode",
                        {{"Content-Type", "application/merge-patch+json"}}, R"({"defaultValue":1})"),
                 428);
    CheckProblem(f.Send("PATCH", "/v1/features/dark-mode", patch_headers,
                        R"({"rules":[{"hashVersion":"two"}]})"),
                 400);
    Response patched = f.Send("PATCH", "/v1/features/dark-mode", patch_headers,
                              R"({"rules":[{"force":"on","coverage":0.5}]})");
    REQUIRE_MESSAGE(patched.status == 200, patched.body);
    CHECK(patched.body ==
          R"({"id":"dark-mode","defaultValue":true,"rules":[{"force":"on","coverage":0.5}]})");
  }

  TEST_CASE("DELETE: 412 stale, 204, then 404 and gone from the payload") {
    ApiFixture f({}, kFeatures);
    const std::string etag = CreateDarkMode(f);
    CheckProblem(f.Send("DELETE", "/v1/features/dark-mode", IfMatch("\"999\"")), 412);
    CHECK(f.Send("DELETE", "/v1/features/dark-mode", IfMatch(etag)).status == 204);
    CheckProblem(f.Get("/v1/features/dark-mode"), 404);
    CheckProblem(f.Send("DELETE", "/v1/features/dark-mode"), 404);
    f.Sync();
    CHECK(!Contains(f.Get("/v1/features").body, "dark-mode"));
  }

  TEST_CASE("a delivery key reads the payload but cannot write a definition") {
    const std::string admin = "admin-key-for-features";
    const std::string delivery = "delivery-key-for-features";
    ApiFixture f({.auth = {.keys = {{.name = "ops", .sha256_hex = HashApiKey(admin),
                                     .scope = ApiScope::kAdmin},
                                    {.name = "web", .sha256_hex = HashApiKey(delivery),
                                     .scope = ApiScope::kDelivery}}}},
                 kFeatures);
    Headers as_delivery{{"Authorization", "Bearer " + delivery},
                        {"Content-Type", "application/json"}};
    CheckProblem(f.Send("POST", "/v1/features", as_delivery, std::string(kDarkMode)), 403);
    CHECK(f.Get("/v1/features", {{"Authorization", "Bearer " + delivery}}).status == 200);
    Headers as_admin{{"Authorization", "Bearer " + admin}, {"Content-Type", "application/json"}};
    CHECK(f.Send("POST", "/v1/features", as_admin, std::string(kDarkMode)).status == 201);
  }
}

}  // namespace
}  // namespace marquee::http
