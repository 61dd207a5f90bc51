// GET /openapi.json and Api::Routes(): the embedded document is served with
// a strong ETag, and its paths and methods are exactly the routes an Api
// with every optional service registers (so neither can drift from the
// other). The lint of the document itself is the ctest openapi_lint
// (tests/CMakeLists.txt).
#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "api_fixture.h"
#include "marquee/campaign/value.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::Domain;

constexpr Domain kEveryService{
    .decider = true, .polls = true, .events = true, .profiles = true, .webhooks = true,
    .features = true};

constexpr std::string_view kOperationKeys[] = {"get",     "put",  "post",  "delete",
                                               "options", "head", "patch", "trace"};

campaign::Value ServedDocument(const ApiFixture& f) {
  Response r = f.Get("/openapi.json");
  REQUIRE_MESSAGE(r.status == 200, r.body);
  absl::StatusOr<campaign::Value> doc = campaign::Value::Parse(r.body);
  REQUIRE_MESSAGE(doc.ok(), doc.status().ToString());
  REQUIRE(doc->is_object());
  return *std::move(doc);
}

// (METHOD, path) of every operation of the document.
std::set<std::pair<std::string, std::string>> DocumentedRoutes(const campaign::Value& doc) {
  std::set<std::pair<std::string, std::string>> out;
  const campaign::Value* paths = doc.Find("paths");
  REQUIRE(paths != nullptr);
  for (const auto& [path, item] : paths->members()) {
    for (const auto& [key, operation] : item.members()) {
      if (std::find(std::begin(kOperationKeys), std::end(kOperationKeys), key) ==
          std::end(kOperationKeys)) {
        continue;  // "parameters", "summary", ...
      }
      out.emplace(absl::AsciiStrToUpper(key), path);
    }
  }
  return out;
}

TEST_SUITE("http.openapi") {
  TEST_CASE("GET /openapi.json is the embedded OpenAPI 3.1 document") {
    ApiFixture f;
    Response r = f.Get("/openapi.json");
    REQUIRE_MESSAGE(r.status == 200, r.body);
    CHECK(r.headers.Get("Content-Type") == std::optional<std::string_view>("application/json"));
    CHECK(r.headers.Get("Cache-Control") == std::optional<std::string_view>("public, max-age=300"));
    std::optional<std::string_view> etag = r.headers.Get("ETag");
    REQUIRE(etag.has_value());
    CHECK(etag->size() == 18);  // strong: a quoted 16-digit hash
    CHECK(etag->front() == '"');
    campaign::Value doc = ServedDocument(f);
    REQUIRE(doc.Find("openapi") != nullptr);
    CHECK(doc.Find("openapi")->as_string() == "3.1.0");
    const campaign::Value* info = doc.Find("info");
    REQUIRE(info != nullptr);
    REQUIRE(info->Find("version") != nullptr);
    CHECK(info->Find("version")->as_string() == MARQUEE_PROJECT_VERSION);
    // Every node of one build gives the same bytes and tag.
    ApiFixture other;
    Response again = other.Get("/openapi.json");
    CHECK(again.body == r.body);
    CHECK(again.headers.Get("ETag") == etag);
  }

  TEST_CASE("If-None-Match of the document gives 304 and HEAD no body") {
    ApiFixture f;
    const std::string etag(*f.Get("/openapi.json").headers.Get("ETag"));
    Headers conditional;
    conditional.Add("If-None-Match", etag);
    Response r = f.Get("/openapi.json", conditional);
    CHECK(r.status == 304);
    CHECK(r.body.empty());
    CHECK(r.headers.Get("ETag") == std::optional<std::string_view>(etag));
    CHECK(r.headers.Get("Cache-Control") == std::optional<std::string_view>("public, max-age=300"));
    Headers stale;
    stale.Add("If-None-Match", "\"0000000000000000\"");
    CHECK(f.Get("/openapi.json", stale).status == 200);
    Response head = f.Send("HEAD", "/openapi.json");
    CHECK(head.status == 200);
    CHECK(head.body.empty());
  }

  TEST_CASE("the document describes exactly the routes of an Api with every service") {
    ApiFixture f({}, kEveryService);
    std::set<std::pair<std::string, std::string>> served;
    for (const RouteInfo& route : f.api->Routes()) {
      CHECK_MESSAGE(served.emplace(route.method, route.pattern).second,
                    route.method << " " << route.pattern << " listed twice");
    }
    const std::set<std::pair<std::string, std::string>> documented =
        DocumentedRoutes(ServedDocument(f));
    for (const auto& [method, pattern] : served) {
      CHECK_MESSAGE(documented.count({method, pattern}) == 1,
                    method << " " << pattern << " is served but not in docs/openapi.json");
    }
    for (const auto& [method, path] : documented) {
      CHECK_MESSAGE(served.count({method, path}) == 1,
                    method << " " << path << " is in docs/openapi.json but not served");
    }
    CHECK(served.size() == documented.size());
  }

  TEST_CASE("Api::Routes lists only the configured services") {
    ApiFixture f;
    std::set<std::pair<std::string, std::string>> served;
    for (const RouteInfo& route : f.api->Routes()) served.emplace(route.method, route.pattern);
    CHECK(served.count({"GET", "/healthz"}) == 1);
    CHECK(served.count({"GET", "/openapi.json"}) == 1);
    CHECK(served.count({"PATCH", "/v1/campaigns/{id}"}) == 1);
    CHECK(served.count({"GET", "/v1/decide"}) == 0);
    CHECK(served.count({"POST", "/v1/polls"}) == 0);
    CHECK(served.count({"HEAD", "/healthz"}) == 0);
  }
}

}  // namespace
}  // namespace marquee::http
