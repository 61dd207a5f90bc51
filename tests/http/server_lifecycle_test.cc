// The Server's connection lifecycle over real sockets: header and idle
// timeouts, max_connections, max_requests_per_connection, Shutdown draining
// a request in flight, and a slowloris that must not starve other clients.
// Timeouts are short here; every wait has a generous deadline, so a loaded
// machine makes the tests slower, not flaky.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "server_fixture.h"

namespace marquee::http::test {
namespace {

TEST_SUITE("concurrent") {

TEST_CASE("a silent connection is closed after header_read_timeout") {
  ServerFixture f({.header_read_timeout = absl::Milliseconds(300)});
  RawClient silent(f.port());
  REQUIRE(silent.connected());
  RawClient partial(f.port());
  REQUIRE(partial.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  const auto start = Clock::now();
  CHECK(silent.WaitClosed());
  CHECK(partial.WaitClosed());
  // Closed by the timeout, not at once.
  CHECK(Clock::now() - start >= std::chrono::milliseconds(250));
  CHECK(f.Healthy());
}

TEST_CASE("an idle keep-alive connection is closed after idle_timeout") {
  ServerFixture f({.header_read_timeout = absl::Seconds(30), .idle_timeout = absl::Milliseconds(300)});
  RawClient c(f.port());
  REQUIRE(c.RoundTrip(Wire("GET", "/healthz")).has_value());
  CHECK(c.WaitClosed());
}

TEST_CASE("max_requests_per_connection closes after the last answer") {
  ServerFixture f({.max_requests_per_connection = 2});
  RawClient c(f.port());
  std::optional<RawResponse> first = c.RoundTrip(Wire("GET", "/healthz"));
  REQUIRE(first.has_value());
  CHECK(first->headers.Get("Connection") != std::optional<std::string_view>("close"));
  std::optional<RawResponse> second = c.RoundTrip(Wire("GET", "/healthz"));
  REQUIRE(second.has_value());
  CHECK(second->headers.Get("Connection") == std::optional<std::string_view>("close"));
  CHECK(c.WaitClosed());
}

TEST_CASE("connections beyond max_connections get a 503 and are closed") {
  ServerFixture f({.max_connections = 2});
  RawClient a(f.port());
  RawClient b(f.port());
  // Answered requests prove both are registered before the third connects.
  REQUIRE(a.RoundTrip(Wire("GET", "/healthz")).has_value());
  REQUIRE(b.RoundTrip(Wire("GET", "/healthz")).has_value());
  {
    RawClient c(f.port());
    REQUIRE(c.connected());
    std::optional<RawResponse> r = c.Read();
    CheckRawProblem(r, 503);
    CHECK(c.WaitClosed());
  }
  // Once one leaves, a new connection is served again.
  a.Close();
  bool served = false;
  const auto until = Clock::now() + kDeadline;
  while (!served && Clock::now() < until) {
    RawClient c(f.port());
    std::optional<RawResponse> r = c.RoundTrip(Wire("GET", "/healthz"));
    served = r && r->status == 200;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(served);
  CHECK(b.RoundTrip(Wire("GET", "/healthz")).has_value());
}

TEST_CASE("Shutdown drains a request in flight and closes idle connections") {
  ServerFixture f;
  RawClient idle(f.port());
  REQUIRE(idle.RoundTrip(Wire("GET", "/healthz")).has_value());
  // A POST whose body is not sent yet: in flight when Shutdown starts. The
  // 100 Continue proves the server has read its header.
  const std::string body = CampaignBody("drained");
  RawClient busy(f.port());
  REQUIRE(busy.Send("POST /v1/campaigns HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Expect: 100-continue\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n"));
  std::optional<RawResponse> cont = busy.Read();
  REQUIRE(cont.has_value());
  REQUIRE(cont->status == 100);
  std::atomic<bool> done{false};
  std::thread stopper([&] {
    f.server->Shutdown(absl::Seconds(20));
    done = true;
  });
  CHECK(idle.WaitClosed());
  // No new connections once the acceptor is closed.
  bool refused = false;
  const auto until = Clock::now() + kDeadline;
  while (!refused && Clock::now() < until) {
    RawClient c(f.port());
    refused = !c.connected();
    if (!refused) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(refused);
  CHECK(!done.load());  // still waiting for the POST
  // No REQUIRE until the join: leaving with the thread running would abort.
  CHECK(busy.Send(body));
  std::optional<RawResponse> r = busy.Read();
  CHECK(r.has_value());
  if (r) {
    CHECK(r->status == 201);
    CHECK(r->headers.Get("Connection") == std::optional<std::string_view>("close"));
  }
  CHECK(busy.WaitClosed());
  stopper.join();
  CHECK(done.load());
  CHECK(f.Get("/v1/campaigns/drained").status == 200);
}

TEST_CASE("Shutdown closes what is still in flight after the drain time") {
  ServerFixture f;
  RawClient busy(f.port());
  REQUIRE(busy.Send("POST /v1/campaigns HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Expect: 100-continue\r\nContent-Length: 100\r\n\r\n"));
  std::optional<RawResponse> cont = busy.Read();
  REQUIRE(cont.has_value());
  REQUIRE(cont->status == 100);
  const auto start = Clock::now();
  f.server->Shutdown(absl::Milliseconds(300));
  CHECK(Clock::now() - start < std::chrono::seconds(15));
  // Closed without an answer: the body never came.
  CHECK(!busy.Read().has_value());
  CHECK(f.memory->CurrentVersion() == 0);
}

TEST_CASE("a slowloris of 200 connections does not stop others being served") {
  ServerFixture f({.header_read_timeout = absl::Milliseconds(1500)});
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 200; ++i) {
    slow.push_back(std::make_unique<RawClient>(f.port()));
    REQUIRE(slow.back()->connected());
    slow.back()->Send("GET /healthz HTTP/1.1\r\n");
  }
  std::atomic<bool> trickling{true};
  std::thread trickler([&] {
    // One header byte per connection every 50 ms: never a whole header.
    while (trickling) {
      for (auto& c : slow) c->Send("X");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  int answered = 0;
  for (int i = 0; i < 10; ++i) {
    if (f.Healthy()) ++answered;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(answered == 10);
  // The header timeout ends the slow connections (each got far less than a
  // header through).
  int closed = 0;
  for (auto& c : slow) closed += c->WaitClosed() ? 1 : 0;
  trickling = false;
  trickler.join();
  CHECK(closed == 200);
  CHECK(f.Healthy());
}

}  // TEST_SUITE

}  // namespace
}  // namespace marquee::http::test
