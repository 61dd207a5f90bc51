// The Server's refusals of bad input, over real sockets: each answer is a
// problem+json with the right status, the connection is closed afterwards
// (the rest of its bytes are never read as another request), the server
// keeps answering, and nothing stored changed.
#include <doctest/doctest.h>

#include <optional>
#include <string>

#include "server_fixture.h"

namespace marquee::http::test {
namespace {

constexpr uint64_t kBodyLimit = 64 * 1024;

struct LimitsFixture : ServerFixture {
  LimitsFixture() : ServerFixture({.max_body_bytes = kBodyLimit}) {}

  // Sends `bytes` on a fresh connection and checks the refusal: `status`
  // as a problem, the connection closed, the server still healthy, the
  // store unchanged. A request smuggled after the refused one would create
  // campaign "smuggled": it must not exist.
  void ExpectRefused(const std::string& bytes, int status) {
    const uint64_t version = memory->CurrentVersion();
    RawClient c(port());
    REQUIRE(c.connected());
    c.Send(bytes + Wire("POST", "/v1/campaigns", "", CampaignBody("smuggled")));
    std::optional<RawResponse> r = c.Read();
    CheckRawProblem(r, status);
    CHECK(r->headers.Get("Connection") == std::optional<std::string_view>("close"));
    CHECK(c.WaitClosed());
    CHECK(Healthy());
    CHECK(memory->CurrentVersion() == version);
    CHECK(Get("/v1/campaigns/smuggled").status == 404);
  }
};

std::string PostHead(std::string_view extra_headers) {
  return "POST /v1/campaigns HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
         std::string(extra_headers) + "\r\n";
}

std::string Chunked(const std::string& body) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", body.size());
  return std::string(size) + body + "\r\n0\r\n\r\n";
}

TEST_SUITE("http.server") {

TEST_CASE("a chunked body is accepted") {
  LimitsFixture f;
  RawClient c(f.port());
  std::optional<RawResponse> r =
      c.RoundTrip(PostHead("Transfer-Encoding: chunked\r\n") + Chunked(CampaignBody("chunky")));
  REQUIRE(r.has_value());
  CHECK(r->status == 201);
}

TEST_CASE("Content-Length together with Transfer-Encoding is a 400") {
  LimitsFixture f;
  const std::string body = CampaignBody("both");
  f.ExpectRefused(PostHead("Content-Length: " + std::to_string(body.size()) +
                           "\r\nTransfer-Encoding: chunked\r\n") +
                      Chunked(body),
                  400);
  f.ExpectRefused(PostHead("Transfer-Encoding: chunked\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n") +
                      Chunked(body),
                  400);
}

TEST_CASE("differing Content-Length values are a 400") {
  LimitsFixture f;
  const std::string body = CampaignBody("dup");
  const std::string n = std::to_string(body.size());
  f.ExpectRefused(PostHead("Content-Length: " + n + "\r\nContent-Length: 5\r\n") + body, 400);
  f.ExpectRefused(PostHead("Content-Length: " + n + ", 5\r\n") + body, 400);
}

TEST_CASE("a malformed request line is a 400") {
  LimitsFixture f;
  f.ExpectRefused("GARBAGE\r\n\r\n", 400);
  f.ExpectRefused("GET /healthz HTTP/9.9\r\n\r\n", 400);
  f.ExpectRefused("GET  /healthz HTTP/1.1\r\n\r\n", 400);
}

TEST_CASE("20000 header fields are a 431") {
  LimitsFixture f;
  std::string headers;
  for (int i = 0; i < 20000; ++i) headers += "X-" + std::to_string(i) + ": v\r\n";
  f.ExpectRefused("GET /healthz HTTP/1.1\r\n" + headers + "\r\n", 431);
}

TEST_CASE("more header fields than max_header_count is a 431 even when small") {
  LimitsFixture f;
  std::string headers;
  for (int i = 0; i < 150; ++i) headers += "X-" + std::to_string(i) + ": v\r\n";
  REQUIRE(headers.size() < 16 * 1024);
  f.ExpectRefused("GET /healthz HTTP/1.1\r\n" + headers + "\r\n", 431);
}

TEST_CASE("a header larger than max_header_bytes is a 431") {
  LimitsFixture f;
  f.ExpectRefused("GET /healthz HTTP/1.1\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n", 431);
  f.ExpectRefused("GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n", 431);
}

TEST_CASE("a body over the limit is a 413 with Content-Length") {
  LimitsFixture f;
  // Only the header is sent: the answer comes before any body byte.
  f.ExpectRefused(PostHead("Content-Length: " + std::to_string(kBodyLimit + 1) + "\r\n"), 413);
}

TEST_CASE("a chunked body over the limit is a 413") {
  LimitsFixture f;
  std::string chunks;
  const std::string piece(16 * 1024, 'x');
  for (uint64_t sent = 0; sent <= kBodyLimit; sent += piece.size()) {
    chunks += "4000\r\n" + piece + "\r\n";
  }
  f.ExpectRefused(PostHead("Transfer-Encoding: chunked\r\n") + chunks + "0\r\n\r\n", 413);
}

}  // TEST_SUITE

}  // namespace
}  // namespace marquee::http::test
