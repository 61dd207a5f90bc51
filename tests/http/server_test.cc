// marquee::http::Server over real loopback sockets: health, a campaign
// round trip with ETag/If-Match, keep-alive, pipelining, HEAD, the access
// log, and Start's errors.
#include <doctest/doctest.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server_fixture.h"

namespace marquee::http::test {
namespace {

TEST_SUITE("http.server") {

TEST_CASE("healthz answers over a socket") {
  ServerFixture f;
  RawClient c(f.port());
  REQUIRE(c.connected());
  std::optional<RawResponse> r = c.RoundTrip(Wire("GET", "/healthz"));
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(r->body == R"({"status":"ok"})");
  CHECK(r->headers.Get("Content-Type") == std::optional<std::string_view>("application/json"));
}

TEST_CASE("a campaign round trip with ETag and If-Match") {
  ServerFixture f;
  RawClient c(f.port());
  REQUIRE(c.connected());
  std::optional<RawResponse> created =
      c.RoundTrip(Wire("POST", "/v1/campaigns", "", CampaignBody("spring")));
  REQUIRE(created.has_value());
  REQUIRE_MESSAGE(created->status == 201, created->body);
  CHECK(created->headers.Get("Location") ==
        std::optional<std::string_view>("/v1/campaigns/spring"));
  const std::string etag(created->headers.Get("ETag").value_or(""));
  REQUIRE(!etag.empty());

  std::optional<RawResponse> got = c.RoundTrip(Wire("GET", "/v1/campaigns/spring"));
  REQUIRE(got.has_value());
  CHECK(got->status == 200);
  CHECK(got->headers.Get("ETag") == std::optional<std::string_view>(etag));
  CHECK(Contains(got->body, R"("name":"Campaign spring")"));

  std::optional<RawResponse> not_modified =
      c.RoundTrip(Wire("GET", "/v1/campaigns/spring", "If-None-Match: " + etag + "\r\n"));
  REQUIRE(not_modified.has_value());
  CHECK(not_modified->status == 304);
  CHECK(not_modified->body.empty());

  std::string body = CampaignBody("spring");
  body.replace(body.find("Campaign spring"), 15, "Renamed");
  std::optional<RawResponse> updated = c.RoundTrip(
      Wire("PUT", "/v1/campaigns/spring", "If-Match: " + etag + "\r\n", body));
  REQUIRE(updated.has_value());
  REQUIRE_MESSAGE(updated->status == 200, updated->body);
  const std::string etag2(updated->headers.Get("ETag").value_or(""));
  CHECK(etag2 != etag);
  CHECK(Contains(updated->body, R"("name":"Renamed")"));

  std::optional<RawResponse> stale = c.RoundTrip(
      Wire("PUT", "/v1/campaigns/spring", "If-Match: " + etag + "\r\n", body));
  CheckRawProblem(stale, 412);

  std::optional<RawResponse> deleted =
      c.RoundTrip(Wire("DELETE", "/v1/campaigns/spring", "If-Match: " + etag2 + "\r\n"));
  REQUIRE(deleted.has_value());
  CHECK(deleted->status == 204);
  std::optional<RawResponse> gone = c.RoundTrip(Wire("GET", "/v1/campaigns/spring"));
  CheckRawProblem(gone, 404);
}

TEST_CASE("keep-alive serves several requests on one connection") {
  ServerFixture f;
  RawClient c(f.port());
  REQUIRE(c.connected());
  for (int i = 0; i < 5; ++i) {
    std::optional<RawResponse> r = c.RoundTrip(Wire("GET", "/healthz"));
    REQUIRE(r.has_value());
    CHECK(r->status == 200);
    CHECK(r->headers.Get("Connection") != std::optional<std::string_view>("close"));
  }
}

TEST_CASE("Connection: close is honoured") {
  ServerFixture f;
  RawClient c(f.port());
  std::optional<RawResponse> r = c.RoundTrip(Wire("GET", "/healthz", "Connection: close\r\n"));
  REQUIRE(r.has_value());
  CHECK(r->status == 200);
  CHECK(r->headers.Get("Connection") == std::optional<std::string_view>("close"));
  CHECK(c.WaitClosed());
}

TEST_CASE("pipelined requests are answered in order") {
  ServerFixture f;
  f.Create("first");
  f.Create("second");
  RawClient c(f.port());
  REQUIRE(c.Send(Wire("GET", "/v1/campaigns/first") + Wire("GET", "/v1/campaigns/second") +
                 Wire("GET", "/nowhere")));
  std::optional<RawResponse> a = c.Read();
  std::optional<RawResponse> b = c.Read();
  std::optional<RawResponse> d = c.Read();
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  REQUIRE(d.has_value());
  CHECK(Contains(a->body, R"("id":"first")"));
  CHECK(Contains(b->body, R"("id":"second")"));
  CHECK(d->status == 404);
}

TEST_CASE("HEAD carries the GET's headers and no body") {
  ServerFixture f;
  f.Create("spring");
  RawClient c(f.port());
  std::optional<RawResponse> get = c.RoundTrip(Wire("GET", "/v1/campaigns/spring"));
  REQUIRE(get.has_value());
  std::optional<RawResponse> head = c.RoundTrip(Wire("HEAD", "/v1/campaigns/spring"), true);
  REQUIRE(head.has_value());
  CHECK(head->status == 200);
  CHECK(head->headers.Get("Content-Length") ==
        std::optional<std::string_view>(std::to_string(get->body.size())));
  CHECK(head->headers.Get("ETag") == get->headers.Get("ETag"));
  // Had the HEAD answer carried a body, this would read its bytes instead.
  std::optional<RawResponse> after = c.RoundTrip(Wire("GET", "/healthz"));
  REQUIRE(after.has_value());
  CHECK(after->status == 200);
  CHECK(after->body == R"({"status":"ok"})");
}

TEST_CASE("Expect: 100-continue gets a 100 before the body is sent") {
  ServerFixture f;
  RawClient c(f.port());
  const std::string body = CampaignBody("expect");
  REQUIRE(c.Send("POST /v1/campaigns HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 "Expect: 100-continue\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n"));
  std::optional<RawResponse> cont = c.Read();
  REQUIRE(cont.has_value());
  CHECK(cont->status == 100);
  std::optional<RawResponse> created = c.RoundTrip(body);
  REQUIRE(created.has_value());
  CHECK(created->status == 201);
}

TEST_CASE("the access log gets one entry per request") {
  std::mutex mu;
  std::vector<AccessLogEntry> entries;
  ServerFixture f({.access_log = [&](const AccessLogEntry& e) {
    std::lock_guard lock(mu);
    entries.push_back(e);
  }});
  {
    RawClient c(f.port());
    REQUIRE(c.RoundTrip(Wire("GET", "/healthz")).has_value());
    REQUIRE(c.RoundTrip(Wire("GET", "/nowhere?x=1")).has_value());
  }
  f.server->Shutdown(absl::Seconds(5));
  std::lock_guard lock(mu);
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].method == "GET");
  CHECK(entries[0].target == "/healthz");
  CHECK(entries[0].status == 200);
  CHECK(entries[0].bytes_in == Wire("GET", "/healthz").size());
  CHECK(entries[0].bytes_out > entries[0].bytes_in / 2);
  CHECK(entries[0].latency >= absl::ZeroDuration());
  CHECK(entries[0].remote_address.rfind("127.0.0.1:", 0) == 0);
  CHECK(entries[1].target == "/nowhere?x=1");
  CHECK(entries[1].status == 404);
}

TEST_CASE("Start refuses bad options and a port in use") {
  ApiFixture f;
  CHECK(absl::IsInvalidArgument(Server::Start(*f.api, {.listen = "127.0.0.1"}).status()));
  CHECK(absl::IsInvalidArgument(Server::Start(*f.api, {.listen = "127.0.0.1:70000"}).status()));
  CHECK(absl::IsInvalidArgument(Server::Start(*f.api, {.listen = "::1:80"}).status()));
  CHECK(absl::IsInvalidArgument(
      Server::Start(*f.api, {.listen = "127.0.0.1:0", .max_header_count = 0}).status()));
  CHECK(absl::IsInvalidArgument(
      Server::Start(*f.api, {.listen = "127.0.0.1:0", .idle_timeout = absl::ZeroDuration()})
          .status()));
  CHECK(absl::IsInvalidArgument(
      Server::Start(*f.api, {.listen = "127.0.0.1:0", .max_stream_queue_bytes = 0}).status()));
  CHECK(absl::IsInvalidArgument(
      Server::Start(*f.api, {.listen = "127.0.0.1:0", .stream_send_buffer_bytes = 100}).status()));
  absl::StatusOr<std::unique_ptr<Server>> first =
      Server::Start(*f.api, {.listen = "127.0.0.1:0", .threads = 1});
  REQUIRE(first.ok());
  absl::StatusOr<std::unique_ptr<Server>> second = Server::Start(
      *f.api, {.listen = "127.0.0.1:" + std::to_string((*first)->port()), .threads = 1});
  CHECK(absl::IsUnavailable(second.status()));
  CHECK(Contains(second.status().ToString(), "cannot listen on 127.0.0.1:"));
}

TEST_CASE("Shutdown is idempotent and the destructor after it is fine") {
  ServerFixture f;
  CHECK(f.Healthy());
  f.server->Shutdown(absl::Seconds(1));
  f.server->Shutdown(absl::Seconds(1));
  RawClient c(f.port());
  CHECK(!c.connected());
}

}  // TEST_SUITE

}  // namespace
}  // namespace marquee::http::test
