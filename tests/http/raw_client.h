// A raw HTTP/1.1 client for the socket-level tests of both transports
// (marquee::http::Server in server_fixture.h, the cpp-httplib Mount in
// mounted_server.h): it writes exactly the bytes a test gives, malformed
// framing included, and reads responses with a deadline, so a server that
// hangs fails the test instead of stalling it. Nothing is mocked: the bytes
// go through the kernel's loopback.
#ifndef MARQUEE_TESTS_HTTP_RAW_CLIENT_H_
#define MARQUEE_TESTS_HTTP_RAW_CLIENT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "marquee/http/message.h"

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
  // receive_buffer_bytes > 0 shrinks the socket's receive buffer before
  // connecting, so a reader that stops reading fills it (and the server's
  // send buffer, which grows with the window) after a few kilobytes.
  explicit RawClient(uint16_t port, int receive_buffer_bytes = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    if (receive_buffer_bytes > 0) {
      REQUIRE(::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes,
                           sizeof receive_buffer_bytes) == 0);
    }
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
  int fd() const { return fd_; }

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

  // Reads until `needle` is in what was received and not yet taken by
  // Read or Take; false when the connection closed or the deadline passed.
  bool ReadUntil(std::string_view needle, std::chrono::milliseconds deadline = kDeadline) {
    const auto until = Clock::now() + deadline;
    while (buffer_.find(needle) == std::string::npos) {
      if (!Fill(until)) return false;
    }
    return true;
  }
  // Everything received so far, emptied.
  std::string Take() { return std::exchange(buffer_, std::string()); }
  // What was received up to and including `needle` (all of it when absent),
  // removed; later bytes (a stream's first event, say) stay buffered.
  std::string TakeThrough(std::string_view needle) {
    const size_t at = buffer_.find(needle);
    if (at == std::string::npos) return Take();
    std::string head = buffer_.substr(0, at + needle.size());
    buffer_.erase(0, at + needle.size());
    return head;
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

}  // namespace marquee::http::test

#endif  // MARQUEE_TESTS_HTTP_RAW_CLIENT_H_
