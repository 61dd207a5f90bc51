// GET /v1/features and /api/features/{key}: GrowthBook's SDK payload from
// the delivery view, strong ETag from the payload, 304, public
// Cache-Control with max-age and stale-while-revalidate, invalid features
// left out, 404 without a view.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include "api_fixture.h"
#include "marquee/campaign/collections.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CheckProblem;
using test::Contains;
using test::Domain;

constexpr Domain kFeatures{.decider = true};
constexpr std::string_view kDarkMode =
    R"({"defaultValue":false,"rules":[{"condition":{"beta":true},"force":true}]})";

TEST_SUITE("http.features") {
  TEST_CASE("GET /v1/features is GrowthBook's payload") {
    ApiFixture f({}, kFeatures);
    f.PutRecord(campaign::kFeaturesCollection, "dark-mode", kDarkMode);
    f.PutRecord(campaign::kFeaturesCollection, "banner", R"({"defaultValue":"hello"})");
    Response r = f.Get("/v1/features");
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(r.headers.Get("Content-Type") == std::optional<std::string_view>("application/json"));
    CHECK(r.body == std::string(R"({"status":200,"features":{"banner":{"defaultValue":"hello"},)") +
                        R"("dark-mode":)" + std::string(kDarkMode) + R"(},"experiments":[]})");
    CHECK(r.headers.Get("Cache-Control") ==
          std::optional<std::string_view>("public, max-age=30, stale-while-revalidate=300"));
  }

  TEST_CASE("an empty feature set is an empty object") {
    ApiFixture f({}, kFeatures);
    Response r = f.Get("/v1/features");
    REQUIRE(r.status == 200);
    CHECK(r.body == R"({"status":200,"features":{},"experiments":[]})");
  }

  TEST_CASE("strong ETag, If-None-Match gives 304 until the features change") {
    ApiFixture f({}, kFeatures);
    f.PutRecord(campaign::kFeaturesCollection, "dark-mode", kDarkMode);
    Response r = f.Get("/v1/features");
    std::optional<std::string_view> etag = r.headers.Get("ETag");
    REQUIRE(etag.has_value());
    CHECK(etag->front() == '"');
    Response same = f.Get("/v1/features", {{"If-None-Match", std::string(*etag)}});
    CHECK(same.status == 304);
    CHECK(same.body.empty());
    CHECK(same.headers.Get("ETag") == etag);
    CHECK(same.headers.Get("Cache-Control") == r.headers.Get("Cache-Control"));
    // A campaign change leaves the features, and so the tag, as they were.
    f.Create("spring", "live");
    f.Sync();
    CHECK(f.Get("/v1/features", {{"If-None-Match", std::string(*etag)}}).status == 304);
    f.PutRecord(campaign::kFeaturesCollection, "dark-mode", R"({"defaultValue":true})");
    Response changed = f.Get("/v1/features", {{"If-None-Match", std::string(*etag)}});
    CHECK(changed.status == 200);
    CHECK(changed.headers.Get("ETag") != etag);
    CHECK(Contains(changed.body, R"("dark-mode":{"defaultValue":true})"));
  }

  TEST_CASE("/api/features/{client_key} serves the same payload") {
    ApiFixture f({}, kFeatures);
    f.PutRecord(campaign::kFeaturesCollection, "dark-mode", kDarkMode);
    Response v1 = f.Get("/v1/features");
    Response sdk = f.Get("/api/features/sdk-abc123");
    CHECK(sdk.status == 200);
    CHECK(sdk.body == v1.body);
    CHECK(sdk.headers.Get("ETag") == v1.headers.Get("ETag"));
  }

  TEST_CASE("an invalid stored feature is left out, the others are served") {
    ApiFixture f({}, kFeatures);
    f.PutRecord(campaign::kFeaturesCollection, "good", R"({"defaultValue":1})");
    f.PutRecord(campaign::kFeaturesCollection, "bad", R"({"defaultValue":1,"rules":7})");
    Response r = f.Get("/v1/features");
    REQUIRE(r.status == 200);
    CHECK(Contains(r.body, R"("good":{"defaultValue":1})"));
    CHECK_FALSE(Contains(r.body, R"("bad")"));
  }

  TEST_CASE("query parameters, other methods and a missing view") {
    ApiFixture f({}, kFeatures);
    CheckProblem(f.Get("/v1/features?key=x"), 400);
    CheckProblem(f.SendJson("POST", "/v1/features", "{}"), 405);
    CheckProblem(f.Get("/v1/features", {{"If-None-Match", "garbage"}}), 400);
    CheckProblem(f.Get("/api/features/"), 404);
    ApiFixture none;
    CheckProblem(none.Get("/v1/features"), 404);
    CheckProblem(none.Get("/api/features/key"), 404);
  }
}

}  // namespace
}  // namespace marquee::http
