// GET /v1/polls/{id}/stream over a real socket against the Beast Server:
// the first tally, an update after a vote on another connection, the
// heartbeat, a client disconnect stops the stream, Shutdown closes
// streams, a reader that stops reading is disconnected (bounded queue).
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <chrono>
#include <string>
#include <thread>

#include "server_fixture.h"

namespace marquee::http {
namespace {

using test::RawClient;
using test::Wire;

struct StreamServer : test::ServerFixture {
  explicit StreamServer(ServerOptions options = {})
      : ServerFixture(std::move(options), {.stream_heartbeat = absl::Milliseconds(100)},
                      {.polls = true}) {
    Response r = SendJson("POST", "/v1/polls",
                          R"({"id":"colour","question":"Which colour?","options":)"
                          R"([{"key":"red","label":"Red"},{"key":"blue","label":"Blue"}]})");
    REQUIRE_MESSAGE(r.status == 201, r.body);
  }
  // Waits up to 10 s for live_streams() == n.
  bool LiveStreamsBecome(size_t n) const {
    for (int i = 0; i < 1000; ++i) {
      if (api->live_streams() == n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
};

const std::string kStreamRequest = Wire("GET", "/v1/polls/colour/stream");

TEST_SUITE("http.server_stream") {
  TEST_CASE("a subscriber gets the tally then the update of a vote on another connection" *
            doctest::test_suite("concurrent")) {
    StreamServer f;
    RawClient c(f.port());
    REQUIRE(c.connected());
    REQUIRE(c.Send(kStreamRequest));
    REQUIRE(c.ReadUntil("\r\n\r\n"));
    const std::string head = c.TakeThrough("\r\n\r\n");
    CHECK(head.find("HTTP/1.1 200") == 0);
    CHECK(head.find("Content-Type: text/event-stream") != std::string::npos);
    CHECK(head.find("Content-Length") == std::string::npos);
    REQUIRE(c.ReadUntil(R"("total":0})"));
    RawClient voter(f.port());
    std::optional<test::RawResponse> vote = voter.RoundTrip(Wire(
        "POST", "/v1/polls/colour/votes", "", R"({"user":"u1","option":"red"})"));
    REQUIRE(vote.has_value());
    CHECK(vote->status == 201);
    CHECK(c.ReadUntil(R"({"poll":"colour","counts":{"blue":0,"red":1},"total":1})"));
    CHECK(c.ReadUntil(": heartbeat\n\n"));
    CHECK(f.api->live_streams() == 1);
  }

  TEST_CASE("a client that goes away stops its stream" * doctest::test_suite("concurrent")) {
    StreamServer f;
    {
      RawClient c(f.port());
      REQUIRE(c.Send(kStreamRequest));
      REQUIRE(c.ReadUntil("event: tally"));
      CHECK(f.api->live_streams() == 1);
    }
    CHECK(f.LiveStreamsBecome(0));
    CHECK(f.Healthy());
  }

  TEST_CASE("Shutdown closes streams without waiting for them" *
            doctest::test_suite("concurrent")) {
    StreamServer f;
    RawClient c(f.port());
    REQUIRE(c.Send(kStreamRequest));
    REQUIRE(c.ReadUntil("event: tally"));
    const auto start = std::chrono::steady_clock::now();
    f.server->Shutdown(absl::Seconds(30));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
    CHECK(c.WaitClosed(std::chrono::seconds(10)));
    CHECK(f.LiveStreamsBecome(0));
  }

  TEST_CASE("a reader that stops reading is disconnected and its stream stopped" *
            doctest::test_suite("concurrent")) {
    StreamServer f(ServerOptions{.max_stream_queue_bytes = 4096});
    // A poll whose tally event is ~4 KB once every option has a vote (a
    // tally lists only options with votes) and a client with a small receive
    // buffer, so that the socket buffers fill after a few dozen unread
    // events whatever the kernel's autotuning limits are.
    std::string options;
    for (int i = 0; i < 60; ++i) {
      if (i > 0) options += ",";
      options += R"({"key":"option-)" + std::to_string(i) + std::string(50, 'x') +
                 R"(","label":"x"})";
    }
    Response created = f.SendJson(
        "POST", "/v1/polls", R"({"id":"big","question":"?","options":[)" + options + "]}");
    REQUIRE_MESSAGE(created.status == 201, created.body);
    RawClient c(f.port(), /*receive_buffer_bytes=*/4096);
    REQUIRE(c.Send(Wire("GET", "/v1/polls/big/stream")));
    REQUIRE(c.ReadUntil("event: tally"));
    // Heartbeats (and votes) pile up unread until the bound is passed.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int votes = 0;
    for (int i = 0; f.api->live_streams() != 0 && std::chrono::steady_clock::now() < until;
         ++i) {
      (void)f.SendJson("POST", "/v1/polls/big/votes",
                       R"({"user":"u)" + std::to_string(i) + R"(","option":"option-)" +
                           std::to_string(i % 60) +
                           std::string(50, 'x') + R"("})");
      votes = i + 1;
    }
    CHECK_MESSAGE(f.LiveStreamsBecome(0), votes, " votes did not fill the stream's queue");
  }
}

}  // namespace
}  // namespace marquee::http
