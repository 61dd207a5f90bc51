// GET and POST /v1/decide: the decision's shape, attributes from the query
// (attr.*) and from the body (typed), flags, the weak ETag and 304,
// Cache-Control, explain, bad input as 4xx problems that change nothing,
// a failing store as a 5xx without internal text, 404 without a Decider.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include "api_fixture.h"
#include "marquee/campaign/collections.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CampaignBody;
using test::CheckProblem;
using test::Contains;
using test::Domain;

constexpr Domain kDecide{.decider = true};

// A live campaign "de-only" shown to users whose country is DE.
void CreateGermanCampaign(ApiFixture& f) {
  f.Create("de-only", "live", R"(,"targeting":{"condition":{"country":"DE"}})");
  f.Sync();
}

TEST_SUITE("http.decide") {
  TEST_CASE("GET gives the campaigns, variants and flags of a user") {
    ApiFixture f({}, kDecide);
    f.Create("spring", "live");
    f.PutRecord(campaign::kFeaturesCollection, "dark-mode", R"({"defaultValue":false})");
    Response r = f.Get("/v1/decide?user=u1");
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(r.headers.Get("Content-Type") == std::optional<std::string_view>("application/json"));
    CHECK(Contains(r.body, R"("user":"u1")"));
    CHECK(Contains(r.body, R"("campaigns":[{"id":"spring","name":"Campaign spring")"));
    CHECK((Contains(r.body, R"("variant":"control")") ||
           Contains(r.body, R"("variant":"treatment")")));
    CHECK(Contains(r.body, R"("flags":{"dark-mode":{"value":false,"on":false,"source":"defaultValue","ruleId":""}})"));
    CHECK_FALSE(Contains(r.body, "skipped"));
    CHECK(Json::Parse(r.body).ok());
    // Deterministic: the same user gets the same answer.
    CHECK(f.Get("/v1/decide?user=u1").body == r.body);
  }

  TEST_CASE("weak ETag, private Cache-Control, If-None-Match gives 304") {
    ApiFixture f({}, kDecide);
    f.Create("spring", "live");
    f.Sync();
    Response r = f.Get("/v1/decide?user=u1");
    REQUIRE(r.status == 200);
    std::optional<std::string_view> etag = r.headers.Get("ETag");
    REQUIRE(etag.has_value());
    CHECK(etag->substr(0, 3) == "W/\"");
    CHECK(r.headers.Get("Cache-Control") == std::optional<std::string_view>("private, no-cache"));
    Response again = f.Get("/v1/decide?user=u1", {{"If-None-Match", std::string(*etag)}});
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    CHECK(again.headers.Get("ETag") == etag);
    CHECK(again.headers.Get("Cache-Control") ==
          std::optional<std::string_view>("private, no-cache"));
    // Another decision (a new campaign) no longer matches.
    f.Create("autumn", "live");
    f.Sync();
    Response changed = f.Get("/v1/decide?user=u1", {{"If-None-Match", std::string(*etag)}});
    CHECK(changed.status == 200);
    CHECK(changed.headers.Get("ETag") != etag);
    CheckProblem(f.Get("/v1/decide?user=u1", {{"If-None-Match", "nope"}}), 400);
  }

  TEST_CASE("attr.* query parameters are the request's context") {
    ApiFixture f({}, kDecide);
    CreateGermanCampaign(f);
    CHECK(Contains(f.Get("/v1/decide?user=u1&attr.country=DE").body, R"("id":"de-only")"));
    CHECK_FALSE(Contains(f.Get("/v1/decide?user=u1&attr.country=FR").body, R"("id":"de-only")"));
    CHECK_FALSE(Contains(f.Get("/v1/decide?user=u1").body, R"("id":"de-only")"));
  }

  TEST_CASE("POST takes typed attributes, placement and explain") {
    ApiFixture f({}, kDecide);
    f.Create("adults", "live", R"(,"targeting":{"condition":{"age":{"$gt":18}}})");
    f.Create("hero", "live", R"(,"placements":["home.hero"])");
    f.PutRecord(campaign::kFeaturesCollection, "beta-ui",
                R"({"defaultValue":false,"rules":[{"id":"r1","condition":{"beta":true},"force":true}]})");
    Response r = f.SendJson("POST", "/v1/decide",
                            R"({"user":"u1","attributes":{"age":30,"beta":true}})");
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(Contains(r.body, R"("id":"adults")"));
    CHECK(Contains(r.body, R"("beta-ui":{"value":true,"on":true,"source":"force","ruleId":"r1"})"));
    CHECK(r.headers.Get("ETag").has_value());
    CHECK(r.headers.Get("Cache-Control") == std::optional<std::string_view>("private, no-cache"));

    Response young = f.SendJson("POST", "/v1/decide", R"({"user":"u1","attributes":{"age":12}})");
    CHECK_FALSE(Contains(young.body, R"("id":"adults")"));

    Response other = f.SendJson("POST", "/v1/decide",
                                R"({"user":"u1","attributes":{"age":30},"placement":"sidebar"})");
    REQUIRE(other.status == 200);
    CHECK(Contains(other.body, R"("id":"adults")"));  // no placements: fills any
    CHECK_FALSE(Contains(other.body, R"("id":"hero")"));

    Response explained = f.SendJson(
        "POST", "/v1/decide", R"({"user":"u1","attributes":{"age":12},"explain":true})");
    REQUIRE(explained.status == 200);
    CHECK(Contains(explained.body, R"("skipped":[{"id":"adults","reason":")"));
    CHECK(Contains(explained.body, R"("explain":[)"));
    // A POST is never answered 304.
    Response post_again = f.SendJson(
        "POST", "/v1/decide", R"({"user":"u1","attributes":{"age":30,"beta":true}})",
        {{"If-None-Match", std::string(*r.headers.Get("ETag"))}});
    CHECK(post_again.status == 200);
  }

  TEST_CASE("GET explain=true lists the skipped campaigns") {
    ApiFixture f({}, kDecide);
    CreateGermanCampaign(f);
    Response r = f.Get("/v1/decide?user=u1&explain=true");
    REQUIRE(r.status == 200);
    CHECK(Contains(r.body, R"("skipped":[{"id":"de-only")"));
    CHECK_FALSE(Contains(f.Get("/v1/decide?user=u1&explain=false").body, "skipped"));
  }

  TEST_CASE("bad query input is a 400 naming the parameter") {
    ApiFixture f({}, kDecide);
    struct Case {
      std::string target;
      std::string names;
    };
    const Case cases[] = {
        {"/v1/decide", "user"},
        {"/v1/decide?user=", "user"},
        {"/v1/decide?user=a&user=b", "user"},
        {"/v1/decide?user=a%2Fb", "user"},
        {"/v1/decide?user=u1&explain=yes", "explain"},
        {"/v1/decide?user=u1&explain=true&explain=false", "explain"},
        {"/v1/decide?user=u1&placement=", "placement"},
        {"/v1/decide?user=u1&attr.country=DE&attr.country=FR", "attr.country"},
        {"/v1/decide?user=u1&attr.=DE", "attr."},
        {"/v1/decide?user=u1&attr=DE", "attr"},
        {"/v1/decide?user=u1&country=DE", "country"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.target);
      Response r = f.Get(c.target);
      CheckProblem(r, 400);
      CHECK(Contains(r.body, c.names));
    }
    CHECK(f.store->CurrentVersion() == 0);
  }

  TEST_CASE("bad POST bodies are 4xx problems that store nothing") {
    ApiFixture f({.max_body_bytes = 4096}, kDecide);
    struct Case {
      std::string body;
      int status;
      std::string names;
    };
    const Case cases[] = {
        {R"({"user":"u1")", 400, "body"},
        {"", 400, "body"},
        {R"([1])", 400, "body"},
        {R"("u1")", 400, "body"},
        {R"({})", 400, "user"},
        {R"({"user":7})", 400, "user"},
        {R"({"user":"a/b"})", 400, "user"},
        {R"({"user":"u1","attributes":[1]})", 400, "attributes"},
        {R"({"user":"u1","attributes":"DE"})", 400, "attributes"},
        {R"({"user":"u1","placement":3})", 400, "placement"},
        {R"({"user":"u1","explain":"yes"})", 400, "explain"},
        {R"({"user":"u1","contxt":{}})", 400, "contxt"},
        {R"({"user":"u1","attributes":)" + std::string(100, '[') + std::string(100, ']') + "}",
         400, "nesting deeper"},
        {R"({"user":"u1","attributes":{"x":")" + std::string(5000, 'a') + "\"}}", 413, "4096"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.body.substr(0, 80));
      Response r = f.SendJson("POST", "/v1/decide", c.body);
      CheckProblem(r, c.status);
      CHECK(Contains(r.body, c.names));
    }
    CheckProblem(f.Send("POST", "/v1/decide", {}, R"({"user":"u1"})"), 415);
    CheckProblem(f.Send("POST", "/v1/decide", {{"Content-Type", "text/plain"}}, R"({"user":"u1"})"),
                 415);
    CHECK(f.store->CurrentVersion() == 0);
  }

  TEST_CASE("HEAD, OPTIONS and 405 on /v1/decide") {
    ApiFixture f({}, kDecide);
    Response head = f.Send("HEAD", "/v1/decide?user=u1");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
    CHECK(head.headers.Get("Content-Length") ==
          std::optional<std::string_view>(std::to_string(f.Get("/v1/decide?user=u1").body.size())));
    Response options = f.Send("OPTIONS", "/v1/decide");
    CHECK(options.status == 204);
    CHECK(options.headers.Get("Allow") == std::optional<std::string_view>("GET, POST, HEAD, OPTIONS"));
    CheckProblem(f.Send("DELETE", "/v1/decide"), 405);
  }

  TEST_CASE("a store that fails reads is a 5xx without internal text") {
    ApiFixture f({}, kDecide);
    f.store->FailReads(absl::InternalError(test::kSecret));
    CheckProblem(f.Get("/v1/decide?user=never-seen"), 500);
    f.store->FailReads(absl::UnavailableError(test::kSecret));
    Response r = f.SendJson("POST", "/v1/decide", R"({"user":"other"})");
    CheckProblem(r, 503);
    CHECK(r.headers.Get("Retry-After").has_value());
  }

  TEST_CASE("without a Decider /v1/decide is not served") {
    ApiFixture f;
    CheckProblem(f.Get("/v1/decide?user=u1"), 404);
    CheckProblem(f.SendJson("POST", "/v1/decide", R"({"user":"u1"})"), 404);
  }
}

}  // namespace
}  // namespace marquee::http
