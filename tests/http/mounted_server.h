// An ApiFixture served over a real socket by a cpp-httplib server with
// marquee::http::Mount, on an ephemeral 127.0.0.1 port: the live server of
// the Mount's socket tests and of the C++ client's tests. Raw requests go
// through raw_client.h, the client of the Beast server's tests too.
#ifndef MARQUEE_TESTS_HTTP_MOUNTED_SERVER_H_
#define MARQUEE_TESTS_HTTP_MOUNTED_SERVER_H_

#include <doctest/doctest.h>
#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "api_fixture.h"
#include "marquee/http/httplib_mount.h"
#include "raw_client.h"

namespace marquee::http::test {

// An ApiFixture served by a cpp-httplib server with Mount on an ephemeral
// loopback port; stopped and joined on destruction.
class MountedServer {
 public:
  explicit MountedServer(MountOptions options = {.max_body_bytes = 4096, .max_header_count = 50,
                                                 .max_connections = 8},
                         ApiOptions api_options = {}, Domain domain = {})
      : fixture_(std::move(api_options), domain) {
    REQUIRE(Mount(server_, *fixture_.api, options).ok());
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~MountedServer() {
    server_.stop();
    thread_.join();
  }

  uint16_t port() const { return static_cast<uint16_t>(port_); }
  ApiFixture& fixture() { return fixture_; }
  const ApiFixture& fixture() const { return fixture_; }

  // Sends `bytes` on a fresh connection and reads one response.
  std::optional<RawResponse> Exchange(const std::string& bytes) const {
    RawClient client(port());
    REQUIRE(client.connected());
    REQUIRE(client.Send(bytes));
    return client.Read();
  }

  // The server still answers, and the store holds what it held before.
  void CheckAliveAndUnchanged(uint64_t store_version) const {
    std::optional<RawResponse> health =
        Exchange("GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    REQUIRE(health.has_value());
    CHECK(health->status == 200);
    CHECK(fixture_.memory->CurrentVersion() == store_version);
  }

 private:
  ApiFixture fixture_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace marquee::http::test

#endif  // MARQUEE_TESTS_HTTP_MOUNTED_SERVER_H_
