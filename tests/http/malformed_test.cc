// A corpus of malformed requests against every write route: each gets a
// problem+json with the right status (400, 413, 414, 415, 404), nothing
// stored changes, and the Api still answers afterwards.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "api_fixture.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CampaignBody;
using test::CheckProblem;

struct BadRequest {
  std::string name;
  Request request;
  int status;
};

Request JsonRequest(std::string method, std::string target, std::string body,
                    std::string content_type = "application/json") {
  Request r{.method = std::move(method), .target = std::move(target), .body = std::move(body)};
  if (!content_type.empty()) r.headers.Add("Content-Type", content_type);
  return r;
}

std::vector<BadRequest> Corpus(const std::string& etag) {
  std::vector<BadRequest> corpus;
  auto post = [&](std::string name, std::string body, int status,
                  std::string type = "application/json") {
    corpus.push_back({"POST " + name, JsonRequest("POST", "/v1/campaigns", body, type), status});
    Request put = JsonRequest("PUT", "/v1/campaigns/spring", body, type);
    put.headers.Add("If-Match", etag);
    corpus.push_back({"PUT " + name, std::move(put), status});
  };
  // Malformed JSON.
  post("empty body", "", 400);
  post("truncated", R"({"id":"x","name":)", 400);
  post("trailing garbage", CampaignBody("x") + "}", 400);
  post("two documents", CampaignBody("x") + CampaignBody("y"), 400);
  post("single quotes", "{'id':'x'}", 400);
  post("trailing comma", R"({"id":"x",})", 400);
  post("NaN", R"({"id":"x","priority":NaN})", 400);
  post("comment", R"({"id":"x" /* hi */})", 400);
  post("invalid UTF-8 in a string", "{\"id\":\"x\xFF\"}", 400);
  post("lone surrogate escape", R"({"id":"\ud800"})", 400);
  post("control character in a string", "{\"id\":\"a\x01\"}", 400);
  post("BOM", "\xEF\xBB\xBF" + CampaignBody("x"), 400);
  post("deep nesting", std::string(100000, '[') + std::string(100000, ']'), 400);
  post("nesting just past the limit",
       CampaignBody("x", "draft", ",\"attributes\":" + std::string(64, '[') + std::string(64, ']')),
       400);
  post("null", "null", 400);
  post("number", "42", 400);
  // Media type.
  post("no Content-Type", CampaignBody("x"), 415, "");
  post("text/plain", CampaignBody("x"), 415, "text/plain");
  post("form", CampaignBody("x"), 415, "application/x-www-form-urlencoded");
  post("latin-1 charset", CampaignBody("x"), 415, "application/json; charset=iso-8859-1");
  post("json-ish type", CampaignBody("x"), 415, "application/jsonx");
  // Size.
  post("too large", std::string(1 << 20, ' ') + CampaignBody("x"), 413);

  Request two_types = JsonRequest("POST", "/v1/campaigns", CampaignBody("x"));
  two_types.headers.Add("Content-Type", "application/json");
  corpus.push_back({"two Content-Type fields", two_types, 415});

  // Targets, methods and query strings.
  auto get = [&](std::string name, std::string method, std::string target, int status) {
    corpus.push_back(
        {name, Request{.method = std::move(method), .target = std::move(target)}, status});
  };
  get("encoded slash in an id", "DELETE", "/v1/campaigns/spr%2Fing", 400);
  get("encoded NUL in an id", "DELETE", "/v1/campaigns/spr%00ing", 400);
  get("bad escape", "DELETE", "/v1/campaigns/spr%zzing", 400);
  get("invalid UTF-8 in an id", "DELETE", "/v1/campaigns/%FF", 400);
  get("dot-dot", "DELETE", "/v1/campaigns/../campaigns/spring", 400);
  get("absolute-form", "DELETE", "http://example.com/v1/campaigns/spring", 400);
  get("empty method", "", "/v1/campaigns/spring", 400);
  get("method with a space", "DEL ETE", "/v1/campaigns/spring", 400);
  get("lower-case method", "delete", "/v1/campaigns/spring", 405);
  get("unknown method", "BREW", "/v1/campaigns/spring", 405);
  get("target too long", "GET", "/v1/campaigns/" + std::string(9000, 'a'), 414);
  std::string many = "/v1/campaigns?";
  for (int i = 0; i < 100; ++i) many += "limit=1&";
  get("too many query parameters", "GET", many, 400);
  get("unknown query parameter", "GET", "/v1/campaigns?debug=1", 400);
  get("unknown path", "DELETE", "/v1/campaign/spring", 404);
  get("trailing slash", "DELETE", "/v1/campaigns/spring/", 404);
  get("version 3 does not exist", "DELETE", "/v3/campaigns/spring", 404);
  get("segments have no version 2", "GET", "/v2/segments", 404);

  Request bad_if_match{.method = "DELETE", .target = "/v1/campaigns/spring"};
  bad_if_match.headers.Add("If-Match", "spring");
  corpus.push_back({"malformed If-Match", bad_if_match, 400});
  Request bad_put_if_match = JsonRequest("PUT", "/v1/campaigns/spring", CampaignBody("spring"));
  bad_put_if_match.headers.Add("If-Match", "W/");
  corpus.push_back({"malformed If-Match on PUT", bad_put_if_match, 400});
  return corpus;
}

TEST_SUITE("http.malformed") {
  TEST_CASE("every malformed request is a problem and changes nothing") {
    ApiFixture f;
    const std::string etag = f.Create("spring");
    const std::string before = f.Get("/v1/campaigns/spring").body;
    const uint64_t version = f.store->CurrentVersion();
    for (const BadRequest& bad : Corpus(etag)) {
      CAPTURE(bad.name);
      Response r = f.api->Handle(bad.request);
      CheckProblem(r, bad.status);
      CHECK(r.headers.Get("Cache-Control") == std::optional<std::string_view>("no-store"));
    }
    CHECK(f.store->CurrentVersion() == version);
    CHECK(f.Get("/v1/campaigns/spring").body == before);
    CHECK(f.Get("/healthz").status == 200);
  }

  TEST_CASE("max_body_bytes and max_json_depth are the configured ones") {
    ApiFixture f(ApiOptions{.max_body_bytes = 600, .max_json_depth = 4});
    const std::string ok_body = CampaignBody("a");
    REQUIRE(ok_body.size() < 600);
    CHECK(f.api->Handle(JsonRequest("POST", "/v1/campaigns", ok_body)).status == 201);
    CheckProblem(
        f.api->Handle(JsonRequest("POST", "/v1/campaigns", ok_body + std::string(600, ' '))), 413);
    // Depth 5: the body, variants, a variant, its content, and one more.
    CheckProblem(f.api->Handle(JsonRequest(
                     "POST", "/v1/campaigns",
                     CampaignBody("b", "draft", R"(,"attributes":{"a":{"b":{"c":{}}}})"))),
                 400);
  }

  TEST_CASE("a charset of utf-8 in any case is accepted") {
    ApiFixture f;
    CHECK(f.api
              ->Handle(JsonRequest("POST", "/v1/campaigns", CampaignBody("a"),
                                   "Application/JSON; Charset=\"UTF-8\""))
              .status == 201);
  }
}

}  // namespace
}  // namespace marquee::http
