// What the socket-level tests of marquee::http::Server share: an ApiFixture
// served by a real Server on 127.0.0.1 (an ephemeral port), and a raw TCP
// client that writes bytes and reads HTTP/1.1 responses with a deadline.
// Nothing is mocked: the bytes go through the kernel's loopback.
#ifndef MARQUEE_TESTS_HTTP_SERVER_FIXTURE_H_
#define MARQUEE_TESTS_HTTP_SERVER_FIXTURE_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "api_fixture.h"
#include "marquee/http/server.h"

namespace marquee::http::test {

using Clock = std::chrono::steady_clock;

// Generous: the machine running the tests may be loaded.
inline constexpr auto kDeadline = std::chrono::seconds(20);

struct RawResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// One client connection. Every read has a deadline; a failed expectation
// fails the test instead of hanging it.
class RawClient {
 public:
  explicit RawClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() { Close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Writes all of `bytes`; false when the peer closed meanwhile (no SIGPIPE).
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // The next response; none when the connection closed or the deadline
  // passed first. A HEAD response has no body whatever its Content-Length.
  std::optional<RawResponse> Read(bool head = false,
                                  std::chrono::milliseconds deadline = kDeadline) {
    const auto until = Clock::now() + deadline;
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(until)) return std::nullopt;
    }
    RawResponse r;
    const std::string head_text = buffer_.substr(0, end + 2);
    buffer_.erase(0, end + 4);
    size_t line_end = head_text.find("\r\n");
    const std::string status_line = head_text.substr(0, line_end);
    if (status_line.size() < 12 || status_line.compare(0, 9, "HTTP/1.1 ") != 0) return std::nullopt;
    r.status = std::stoi(status_line.substr(9, 3));
    size_t pos = line_end + 2;
    while (pos < head_text.size()) {
      const size_t next = head_text.find("\r\n", pos);
      const std::string line = head_text.substr(pos, next - pos);
      const size_t colon = line.find(':');
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers.Add(line.substr(0, colon), value);
      pos = next + 2;
    }
    size_t length = 0;
    if (std::optional<std::string_view> cl = r.headers.Get("Content-Length")) {
      length = std::stoul(std::string(*cl));
    }
    if (head || r.status == 204 || r.status == 304) length = 0;
    while (buffer_.size() < length) {
      if (!Fill(until)) return std::nullopt;
    }
    r.body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return r;
  }

  // True when the server closes the connection (EOF or reset) within
  // `deadline`, with nothing more than `buffer_` held before.
  bool WaitClosed(std::chrono::milliseconds deadline = kDeadline) {
    const auto until = Clock::now() + deadline;
    while (Clock::now() < until) {
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) continue;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) return true;
      if (n > 0) buffer_.append(chunk, static_cast<size_t>(n));
    }
    return false;
  }

  // Sends `request` and reads its response.
  std::optional<RawResponse> RoundTrip(std::string_view request, bool head = false) {
    if (!Send(request)) return std::nullopt;
    return Read(head);
  }

 private:
  bool Fill(Clock::time_point until) {
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return false;
      char chunk[16384];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<size_t>(n));
      return true;
    }
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

// A request in wire form; `body` gets a Content-Length (and Content-Type
// application/json) when not empty.
inline std::string Wire(std::string_view method, std::string_view target,
                        std::string_view extra_headers = "", std::string_view body = "") {
  std::string out = std::string(method) + " " + std::string(target) +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + std::string(extra_headers);
  if (!body.empty()) {
    out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n";
  }
  out += "\r\n";
  out += body;
  return out;
}

struct ServerFixture : ApiFixture {
  std::unique_ptr<Server> server;

  explicit ServerFixture(ServerOptions options = {}) {
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
