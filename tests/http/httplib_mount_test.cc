// marquee::http::Mount over a real socket: the Api served by a cpp-httplib
// server on 127.0.0.1, and the framing checks Mount adds to cpp-httplib
// 0.11.4 (CL+TE, conflicting Content-Length, header count, body limits
// chunked or gzip-inflated), each leaving the server alive and the store
// unchanged.
#include <doctest/doctest.h>
#include <httplib.h>
#include <zlib.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "gzip_for_test.h"
#include "api_fixture.h"
#include "marquee/http/httplib_mount.h"
#include "mounted_server.h"
#include "raw_client.h"

namespace marquee::http {
namespace {

using test::ApiFixture;
using test::CampaignBody;
using test::MountedServer;
using test::RawClient;
using test::RawResponse;

std::string PostCampaign(std::string_view body, std::string_view extra_headers = "") {
  return "POST /v1/campaigns HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" +
         std::string(extra_headers) + "Content-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

void CheckProblemBody(const RawResponse& r, int status) {
  CHECK_MESSAGE(r.status == status, r.body);
  CHECK(r.headers.Get("Content-Type") == std::optional<std::string_view>("application/problem+json"));
  CHECK(r.body.find("\"status\":" + std::to_string(status)) != std::string::npos);
}

TEST_CASE("mount: options out of range are refused") {
  httplib::Server server;
  ApiFixture fixture;
  CHECK(Mount(server, *fixture.api, {.max_body_bytes = 0}).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(Mount(server, *fixture.api, {.max_connections = 0}).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(Mount(server, *fixture.api, {.io_timeout = absl::Milliseconds(1500)}).code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("mount: campaign round trip with ETag and If-Match over a socket" * doctest::test_suite("concurrent")) {
  MountedServer server;
  std::optional<RawResponse> created = server.Exchange(PostCampaign(CampaignBody("spring")));
  REQUIRE(created.has_value());
  CHECK(created->status == 201);
  CHECK(created->headers.Get("Location") == std::optional<std::string_view>("/v1/campaigns/spring"));
  REQUIRE(created->headers.Get("ETag").has_value());
  const std::optional<std::string> etag(*created->headers.Get("ETag"));

  RawClient client(server.port());
  REQUIRE(client.Send("GET /v1/campaigns/spring HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::optional<RawResponse> got = client.Read();
  REQUIRE(got.has_value());
  CHECK(got->status == 200);
  CHECK(got->headers.Get("ETag") == etag);
  CHECK(got->headers.Get("Content-Type") == std::optional<std::string_view>("application/json"));
  CHECK(got->body.find("\"id\":\"spring\"") == 1);

  // Same connection (keep-alive): revalidation, then HEAD.
  REQUIRE(client.Send("GET /v1/campaigns/spring HTTP/1.1\r\nHost: t\r\nIf-None-Match: " + *etag +
                      "\r\n\r\n"));
  std::optional<RawResponse> not_modified = client.Read();
  REQUIRE(not_modified.has_value());
  CHECK(not_modified->status == 304);
  CHECK(not_modified->body.empty());

  const std::string stale_put = "PUT /v1/campaigns/spring HTTP/1.1\r\nHost: t\r\n"
                                "Content-Type: application/json\r\nIf-Match: \"999\"\r\n"
                                "Content-Length: " +
                                std::to_string(CampaignBody("").size()) + "\r\n\r\n" +
                                CampaignBody("");
  REQUIRE(client.Send(stale_put));
  std::optional<RawResponse> stale = client.Read();
  REQUIRE(stale.has_value());
  CheckProblemBody(*stale, 412);

  REQUIRE(client.Send("DELETE /v1/campaigns/spring HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::optional<RawResponse> deleted = client.Read();
  REQUIRE(deleted.has_value());
  CHECK(deleted->status == 204);
}

TEST_CASE("mount: HEAD and 404 and 405 come from the Api" * doctest::test_suite("concurrent")) {
  MountedServer server;
  std::optional<RawResponse> missing =
      server.Exchange("GET /v1/nothing HTTP/1.1\r\nHost: t\r\n\r\n");
  REQUIRE(missing.has_value());
  CheckProblemBody(*missing, 404);
  std::optional<RawResponse> wrong_method =
      server.Exchange("PATCH /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
  REQUIRE(wrong_method.has_value());
  CheckProblemBody(*wrong_method, 405);
  CHECK(wrong_method->headers.Get("Allow").has_value());
}

TEST_CASE("mount: Content-Length with Transfer-Encoding is 400 and closes" * doctest::test_suite("concurrent")) {
  MountedServer server;
  const uint64_t version = server.fixture().memory->CurrentVersion();
  const std::string body = CampaignBody("smuggled");
  RawClient client(server.port());
  REQUIRE(client.Send("POST /v1/campaigns HTTP/1.1\r\nHost: t\r\n"
                      "Content-Type: application/json\r\nContent-Length: 4\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n" +
                      body));
  std::optional<RawResponse> r = client.Read();
  REQUIRE(r.has_value());
  CheckProblemBody(*r, 400);
  CHECK(r->body.find("Transfer-Encoding") != std::string::npos);
  CHECK(client.WaitClosed());
  server.CheckAliveAndUnchanged(version);
}

TEST_CASE("mount: conflicting or malformed Content-Length is 400" * doctest::test_suite("concurrent")) {
  MountedServer server;
  const uint64_t version = server.fixture().memory->CurrentVersion();
  const std::string body = CampaignBody("twice");
  for (const std::string& lengths :
       {"Content-Length: " + std::to_string(body.size()) + "\r\nContent-Length: 3\r\n",
        std::string("Content-Length: +12\r\n"), std::string("Content-Length: 1e3\r\n")}) {
    CAPTURE(lengths);
    std::optional<RawResponse> r = server.Exchange(
        "POST /v1/campaigns HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" + lengths +
        "\r\n" + body);
    REQUIRE(r.has_value());
    CHECK(r->status == 400);
  }
  server.CheckAliveAndUnchanged(version);
}

TEST_CASE("mount: more header fields than max_header_count is 431" * doctest::test_suite("concurrent")) {
  MountedServer server;
  for (int count : {60, 20'000}) {
    CAPTURE(count);
    std::string request = "GET /healthz HTTP/1.1\r\nHost: t\r\n";
    for (int i = 0; i < count; ++i) request += "X-Filler-" + std::to_string(i) + ": x\r\n";
    std::optional<RawResponse> r = server.Exchange(request + "\r\n");
    REQUIRE(r.has_value());
    CheckProblemBody(*r, 431);
    CHECK(r->body.find("header fields") != std::string::npos);
  }
  server.CheckAliveAndUnchanged(server.fixture().memory->CurrentVersion());
}

TEST_CASE("mount: a declared body over the limit is 413 before it is read" * doctest::test_suite("concurrent")) {
  MountedServer server;
  const uint64_t version = server.fixture().memory->CurrentVersion();
  RawClient client(server.port());
  REQUIRE(client.Send("POST /v1/campaigns HTTP/1.1\r\nHost: t\r\n"
                      "Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"));
  std::optional<RawResponse> r = client.Read();
  REQUIRE(r.has_value());
  CheckProblemBody(*r, 413);
  CHECK(client.WaitClosed());
  server.CheckAliveAndUnchanged(version);
}

TEST_CASE("mount: a chunked body over the limit is 413" * doctest::test_suite("concurrent")) {
  MountedServer server;
  const uint64_t version = server.fixture().memory->CurrentVersion();
  std::string chunks;
  const std::string piece(1000, ' ');
  for (int i = 0; i < 10; ++i) chunks += "3e8\r\n" + piece + "\r\n";
  std::optional<RawResponse> r = server.Exchange(
      "POST /v1/campaigns HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      chunks + "0\r\n\r\n");
  REQUIRE(r.has_value());
  CheckProblemBody(*r, 413);
  server.CheckAliveAndUnchanged(version);
}

TEST_CASE("mount: a chunked body under the limit is served" * doctest::test_suite("concurrent")) {
  MountedServer server;
  const std::string body = CampaignBody("chunked");
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  std::optional<RawResponse> r = server.Exchange(
      "POST /v1/campaigns HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n");
  REQUIRE(r.has_value());
  CHECK(r->status == 201);
}

TEST_CASE("mount: a gzip bomb stops at the limit with 413" * doctest::test_suite("concurrent")) {
  MountedServer server;
  const uint64_t version = server.fixture().memory->CurrentVersion();
  // 3 MiB of spaces deflate to about 3 KiB (deflate's ratio tops out near
  // 1,000:1), under the 4 KiB limit as sent, 750 times over it inflated.
  const std::string bomb = test::Gzip(std::string(3 << 20, ' '));
  REQUIRE(bomb.size() < 4096);  // passes the declared-length check
  std::optional<RawResponse> r = server.Exchange(
      PostCampaign(bomb, "Content-Encoding: gzip\r\n"));
  REQUIRE(r.has_value());
  CheckProblemBody(*r, 413);
  server.CheckAliveAndUnchanged(version);
}

TEST_CASE("mount: a small gzip body is inflated and served" * doctest::test_suite("concurrent")) {
  MountedServer server;
  std::optional<RawResponse> r =
      server.Exchange(PostCampaign(test::Gzip(CampaignBody("zipped")), "Content-Encoding: gzip\r\n"));
  REQUIRE(r.has_value());
  CHECK_MESSAGE(r->status == 201, r->body);
}

TEST_CASE("mount: malformed JSON is a 400 problem and stores nothing" * doctest::test_suite("concurrent")) {
  MountedServer server;
  const uint64_t version = server.fixture().memory->CurrentVersion();
  for (const std::string& body : {std::string("{"), std::string("{\"id\":}"),
                                 std::string(2000, '[') + std::string(2000, ']')}) {
    std::optional<RawResponse> r = server.Exchange(PostCampaign(body));
    REQUIRE(r.has_value());
    CheckProblemBody(*r, 400);
  }
  server.CheckAliveAndUnchanged(version);
}

}  // namespace
}  // namespace marquee::http
