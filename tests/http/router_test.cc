// The router on its own: pattern matching and precedence, 404, 405 with
// Allow, HEAD as GET without a body, OPTIONS, and pattern errors.
#include "http/router.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>

#include "marquee/http/message.h"

namespace marquee::http::internal {
namespace {

Response Echo(std::string text) {
  Response r;
  r.body = std::move(text);
  r.headers.Set("Content-Type", "text/plain");
  return r;
}

Response Run(const Router& router, std::string method, std::string target) {
  Request request{.method = std::move(method), .target = std::move(target)};
  absl::StatusOr<Target> parsed = ParseTarget(request.target);
  REQUIRE(parsed.ok());
  return router.Dispatch(request, *parsed);
}

Router MakeRouter() {
  Router router;
  REQUIRE(router.Add("GET", "/items", [](const RouteContext&) { return Echo("list"); }).ok());
  REQUIRE(router.Add("POST", "/items", [](const RouteContext&) { return Echo("create"); }).ok());
  REQUIRE(router
              .Add("GET", "/items/{id}",
                   [](const RouteContext& c) { return Echo("item " + std::string(c.Param("id"))); })
              .ok());
  REQUIRE(
      router.Add("DELETE", "/items/{id}", [](const RouteContext&) { return Echo("gone"); }).ok());
  REQUIRE(router.Add("GET", "/items/special", [](const RouteContext&) { return Echo("special"); })
              .ok());
  REQUIRE(router
              .Add("GET", "/items/{id}/parts/{part}",
                   [](const RouteContext& c) {
                     return Echo(std::string(c.Param("id")) + "/" + std::string(c.Param("part")));
                   })
              .ok());
  return router;
}

TEST_SUITE("http.router") {
  TEST_CASE("matches literals and parameters, decoded") {
    Router router = MakeRouter();
    CHECK(Run(router, "GET", "/items").body == "list");
    CHECK(Run(router, "POST", "/items").body == "create");
    CHECK(Run(router, "GET", "/items/a%20b").body == "item a b");
    CHECK(Run(router, "GET", "/items/x/parts/y").body == "x/y");
  }

  TEST_CASE("a literal segment wins over a parameter") {
    Router router = MakeRouter();
    CHECK(Run(router, "GET", "/items/special").body == "special");
  }

  TEST_CASE("unknown paths are 404, including empty segments and trailing slashes") {
    Router router = MakeRouter();
    for (const char* target :
         {"/", "/nothing", "/items/", "/items//parts/y", "/items/a/b", "/ITEMS"}) {
      CAPTURE(target);
      Response r = Run(router, "GET", target);
      CHECK(r.status == 404);
      CHECK(r.headers.Get("Content-Type") ==
            std::optional<std::string_view>("application/problem+json"));
    }
  }

  TEST_CASE("a known path with another method is 405 with Allow") {
    Router router = MakeRouter();
    Response r = Run(router, "PUT", "/items");
    CHECK(r.status == 405);
    CHECK(r.headers.Get("Allow") == std::optional<std::string_view>("GET, POST, HEAD, OPTIONS"));
    r = Run(router, "PATCH", "/items/7");
    CHECK(r.status == 405);
    CHECK(r.headers.Get("Allow") == std::optional<std::string_view>("GET, DELETE, HEAD, OPTIONS"));
    // Methods are case-sensitive.
    CHECK(Run(router, "get", "/items").status == 405);
  }

  TEST_CASE("HEAD is GET without the body, with GET's Content-Length") {
    Router router = MakeRouter();
    Response r = Run(router, "HEAD", "/items/abc");
    CHECK(r.status == 200);
    CHECK(r.body.empty());
    CHECK(r.headers.Get("Content-Length") == std::optional<std::string_view>("8"));
    CHECK(r.headers.Get("Content-Type") == std::optional<std::string_view>("text/plain"));
  }

  TEST_CASE("OPTIONS answers 204 with Allow") {
    Router router = MakeRouter();
    Response r = Run(router, "OPTIONS", "/items/abc");
    CHECK(r.status == 204);
    CHECK(r.body.empty());
    CHECK(r.headers.Get("Allow") == std::optional<std::string_view>("GET, DELETE, HEAD, OPTIONS"));
    CHECK(Run(router, "OPTIONS", "/nothing").status == 404);
  }

  TEST_CASE("query parameters a route did not declare are a 400 problem") {
    Router router;
    auto handler = [](const RouteContext&) { return Echo("ok"); };
    REQUIRE(router.Add("GET", "/plain", handler).ok());
    REQUIRE(router.Add("GET", "/search", handler, {"q", "limit"}).ok());
    CHECK(Run(router, "GET", "/plain").status == 200);
    Response r = Run(router, "GET", "/plain?x=1");
    CHECK(r.status == 400);
    CHECK(r.body.find("'x'") != std::string::npos);
    CHECK(r.body.find("takes no query parameters") != std::string::npos);
    CHECK(Run(router, "GET", "/search?q=a&limit=2&q=b").status == 200);
    r = Run(router, "GET", "/search?q=a&debug=1");
    CHECK(r.status == 400);
    CHECK(r.body.find("supported: q, limit") != std::string::npos);
    Response head = Run(router, "HEAD", "/plain?x=1");
    CHECK(head.status == 400);
    CHECK(head.body.empty());
  }

  TEST_CASE("a declared prefix parameter takes the names that continue the prefix") {
    Router router;
    auto handler = [](const RouteContext&) { return Echo("ok"); };
    REQUIRE(router.Add("GET", "/decide", handler, {"user", "attr.*"}).ok());
    CHECK(Run(router, "GET", "/decide?user=u&attr.country=DE&attr.a.b=1").status == 200);
    for (const char* target :
         {"/decide?attr.=x", "/decide?attr=x", "/decide?attrx=1", "/decide?xattr.a=1"}) {
      CAPTURE(target);
      Response r = Run(router, "GET", target);
      CHECK(r.status == 400);
      CHECK(r.body.find("supported: user, attr.*") != std::string::npos);
    }
  }

  TEST_CASE("HEAD of a 304 or 204 reports no Content-Length") {
    Router router;
    REQUIRE(router.Add("GET", "/same", [](const RouteContext&) { return Response{.status = 304}; })
                .ok());
    Response r = Run(router, "HEAD", "/same");
    CHECK(r.status == 304);
    CHECK_FALSE(r.headers.Has("Content-Length"));
  }

  TEST_CASE("bad patterns and duplicate routes are refused") {
    Router router;
    auto handler = [](const RouteContext&) { return Response{}; };
    CHECK(absl::IsInvalidArgument(router.Add("GET", "items", handler)));
    CHECK(absl::IsInvalidArgument(router.Add("GET", "/a//b", handler)));
    CHECK(absl::IsInvalidArgument(router.Add("GET", "/a/", handler)));
    CHECK(absl::IsInvalidArgument(router.Add("GET", "/a/{}", handler)));
    CHECK(absl::IsInvalidArgument(router.Add("GET", "/a/{x", handler)));
    CHECK(router.Add("GET", "/a/{x}", handler).ok());
    CHECK(absl::IsAlreadyExists(router.Add("GET", "/a/{x}", handler)));
  }
}

}  // namespace
}  // namespace marquee::http::internal
