// What the socket-level tests of marquee::http::Server share: an ApiFixture
// served by a real Server on 127.0.0.1 (an ephemeral port), and the raw TCP
// client of raw_client.h that writes bytes and reads HTTP/1.1 responses with
// a deadline. Nothing is mocked: the bytes go through the kernel's loopback.
#ifndef MARQUEE_TESTS_HTTP_SERVER_FIXTURE_H_
#define MARQUEE_TESTS_HTTP_SERVER_FIXTURE_H_

#include <doctest/doctest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "api_fixture.h"
#include "marquee/http/server.h"
#include "raw_client.h"

namespace marquee::http::test {

struct ServerFixture : ApiFixture {
  std::unique_ptr<Server> server;

  explicit ServerFixture(ServerOptions options = {}, ApiOptions api_options = {},
                         Domain domain = {})
      : ApiFixture(std::move(api_options), domain) {
    options.listen = "127.0.0.1:0";
    if (options.threads == 0) options.threads = 2;
    absl::StatusOr<std::unique_ptr<Server>> s = Server::Start(*api, std::move(options));
    REQUIRE_MESSAGE(s.ok(), s.status().ToString());
    server = *std::move(s);
  }
  ~ServerFixture() { server->Shutdown(absl::Seconds(5)); }

  uint16_t port() const { return server->port(); }

  // GET /healthz on a fresh connection answers 200.
  bool Healthy() const {
    RawClient c(port());
    if (!c.connected()) return false;
    std::optional<RawResponse> r = c.RoundTrip(Wire("GET", "/healthz"));
    return r && r->status == 200 && r->body == R"({"status":"ok"})";
  }
};

// Checks the problem+json shape of a transport refusal.
inline void CheckRawProblem(const std::optional<RawResponse>& r, int status) {
  REQUIRE(r.has_value());
  CheckProblem(Response{.status = r->status, .headers = r->headers, .body = r->body}, status);
}

}  // namespace marquee::http::test

#endif  // MARQUEE_TESTS_HTTP_SERVER_FIXTURE_H_
