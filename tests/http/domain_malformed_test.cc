// The body rules on every write route of the domain groups: an empty,
// truncated, too deep or too large body, or the wrong media type, is a
// problem with the right status, nothing stored changes, and the Api
// answers normally afterwards.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "api_fixture.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CampaignBody;
using test::CheckProblem;
using test::Domain;

struct WriteRoute {
  std::string method;
  std::string target;
  std::string media_type;
};

TEST_SUITE("http.domain_malformed") {
  TEST_CASE("every domain write route refuses malformed bodies and changes nothing") {
    ApiFixture f({.max_body_bytes = 2048, .max_json_depth = 16},
                 Domain{.decider = true, .polls = true, .events = true, .profiles = true});
    REQUIRE(f.SendJson("POST", "/v1/polls",
                       R"({"id":"p","question":"q","options":[{"key":"a"},{"key":"b"}]})")
                .status == 201);
    REQUIRE(f.SendJson("POST", "/v1/segments", R"({"id":"s","name":"S","condition":{}})").status ==
            201);
    const std::string etag = f.Create("c");
    REQUIRE(f.SendJson("PUT", "/v1/profiles/u1", R"({"attributes":{}})").status == 201);
    f.Sync();
    const uint64_t version = f.store->CurrentVersion();
    const std::vector<WriteRoute> routes = {
        {"POST", "/v1/decide", "application/json"},
        {"POST", "/v1/polls", "application/json"},
        {"POST", "/v1/polls/p/votes", "application/json"},
        {"POST", "/v1/events", "application/json"},
        {"POST", "/v1/segments", "application/json"},
        {"PUT", "/v1/segments/s", "application/json"},
        {"PUT", "/v1/profiles/u1", "application/json"},
        {"PATCH", "/v1/profiles/u1", "application/merge-patch+json"},
        {"PATCH", "/v1/campaigns/c", "application/merge-patch+json"},
    };
    struct Body {
      std::string name;
      std::string text;
      std::string media_type;  // "" = the route's own
      int status;
    };
    const std::vector<Body> bodies = {
        {"empty", "", "", 400},
        {"truncated", R"({"user":)", "", 400},
        {"trailing garbage", "{}}", "", 400},
        {"invalid UTF-8", "{\"user\":\"\xFF\"}", "", 400},
        {"too deep", std::string(17, '[') + std::string(17, ']'), "", 400},
        {"very deep, unclosed", std::string(2000, '['), "", 400},
        {"too large", "[" + std::string(4096, ' ') + "]", "", 413},
        {"no media type", "{}", "none", 415},
        {"text/plain", "{}", "text/plain", 415},
    };
    for (const WriteRoute& route : routes) {
      for (const Body& body : bodies) {
        CAPTURE(route.method);
        CAPTURE(route.target);
        CAPTURE(body.name);
        Headers headers{{"If-Match", route.target == "/v1/segments/s" ? "*" : etag}};
        if (route.target != "/v1/campaigns/c" && route.target != "/v1/segments/s") headers = {};
        const std::string type = body.media_type.empty() ? route.media_type : body.media_type;
        if (type != "none") headers.Add("Content-Type", type);
        CheckProblem(f.Send(route.method, route.target, headers, body.text), body.status);
      }
    }
    f.Sync();
    CHECK(f.store->CurrentVersion() == version);
    CHECK(f.events->stats().accepted_events == 0);
    CHECK(f.polls->Tally("p")->total == 0);
    CHECK(f.Get("/v1/profiles/u1").status == 200);
    CHECK(f.Get("/v1/decide?user=u1").status == 200);
  }

  // A reader that keeps the first of two same-named members and one that
  // keeps the last (campaign::Value, as JSON.parse) would act on different
  // requests: every JSON body with a repeated name, at any depth, is a 400.
  TEST_CASE("a member name repeated in any object of a body is a 400 and changes nothing") {
    ApiFixture f({}, Domain{.decider = true, .polls = true, .events = true, .profiles = true});
    REQUIRE(f.SendJson("POST", "/v1/polls",
                       R"({"id":"p","question":"q","options":[{"key":"a"},{"key":"b"}]})")
                .status == 201);
    f.Sync();
    const uint64_t version = f.store->CurrentVersion();
    struct Repeated {
      std::string method;
      std::string target;
      std::string body;
      std::string detail;
    };
    const std::vector<Repeated> cases = {
        {"POST", "/v1/polls/p/votes", R"({"user":"u1","option":"a","user":"u2"})",
         "user: given more than once"},
        {"POST", "/v1/decide", R"({"user":"u1","attributes":{"a":1,"a":2}})",
         "attributes.a: given more than once"},
        {"POST", "/v1/events",
         R"([{"type":"click","campaign":"c","variant":"v","user":"u",)"
         R"("time":"2026-03-01T00:00:00Z","user":"w"}])",
         "[0].user: given more than once"},
        {"POST", "/v1/campaigns", CampaignBody("x", "draft", R"(,"attributes":{"deep":[{"k":1,"k":1}]})"),
         "attributes.deep[0].k: given more than once"},
        {"PUT", "/v1/profiles/u1", R"({"attributes":{"tier":"gold","tier":"free"}})",
         "attributes.tier: given more than once"},
    };
    for (const Repeated& c : cases) {
      CAPTURE(c.target);
      Response r = f.SendJson(c.method, c.target, c.body);
      CheckProblem(r, 400);
      CHECK_MESSAGE(r.body.find(c.detail) != std::string::npos, r.body);
    }
    // The same names in different objects are not repeats.
    CHECK(f.SendJson("POST", "/v1/polls/p/votes",
                     R"({"user":"u1","option":"a","attributes":{"user":"x","option":"y"}})")
              .status == 201);
    f.Sync();
    CHECK(f.store->CurrentVersion() == version + 1);
    CHECK(f.events->stats().accepted_events == 0);
  }
}

}  // namespace
}  // namespace marquee::http
