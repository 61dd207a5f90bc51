// ServerOptions::host_routes over real loopback sockets: a host's answer is
// sent instead of the Api's, none falls through to the Api, a body-less
// HEAD answer keeps its Content-Length, and the access log sees both.
#include <doctest/doctest.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server_fixture.h"

namespace marquee::http::test {
namespace {

// Answers GET and HEAD of /site/hello; everything else goes to the Api.
std::optional<Response> HelloSite(const Request& request) {
  if (request.target != "/site/hello") return std::nullopt;
  Response r{.status = 200, .body = "hello from the host"};
  r.headers.Set("Content-Type", "text/plain; charset=utf-8");
  if (request.method == "HEAD") {
    r.headers.Set("Content-Length", std::to_string(r.body.size()));
    r.body.clear();
  }
  return r;
}

TEST_SUITE("http.server") {

TEST_CASE("host_routes answer first and pass the rest to the Api") {
  std::mutex mu;
  std::vector<int> logged;
  ServerFixture f({.access_log =
                       [&](const AccessLogEntry& e) {
                         std::lock_guard lock(mu);
                         logged.push_back(e.status);
                       },
                   .host_routes = HelloSite});
  RawClient c(f.port());
  REQUIRE(c.connected());
  std::optional<RawResponse> hello = c.RoundTrip(Wire("GET", "/site/hello"));
  REQUIRE(hello.has_value());
  CHECK(hello->status == 200);
  CHECK(hello->body == "hello from the host");
  CHECK(hello->headers.Get("Content-Type") ==
        std::optional<std::string_view>("text/plain; charset=utf-8"));

  // HEAD: no body, the GET's length; the next answer on the connection is
  // read whole (a stray body would corrupt it).
  std::optional<RawResponse> head = c.RoundTrip(Wire("HEAD", "/site/hello"), true);
  REQUIRE(head.has_value());
  CHECK(head->status == 200);
  CHECK(head->headers.Get("Content-Length") == std::optional<std::string_view>("19"));

  std::optional<RawResponse> api = c.RoundTrip(Wire("GET", "/healthz"));
  REQUIRE(api.has_value());
  CHECK(api->status == 200);
  CHECK(api->body == R"({"status":"ok"})");
  std::optional<RawResponse> unknown = c.RoundTrip(Wire("GET", "/site/other"));
  CheckRawProblem(unknown, 404);

  f.server->Shutdown(absl::Seconds(5));
  std::lock_guard lock(mu);
  CHECK(logged == std::vector<int>{200, 200, 200, 404});
}

}  // TEST_SUITE

}  // namespace
}  // namespace marquee::http::test
