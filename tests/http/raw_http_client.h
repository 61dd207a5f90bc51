// A raw HTTP/1.1 client for socket-level tests: writes exactly the bytes a
// test gives (malformed framing included) and reads one response, with a
// deadline, so a server that hangs fails the test instead of stalling it.
#ifndef MARQUEE_TESTS_HTTP_RAW_HTTP_CLIENT_H_
#define MARQUEE_TESTS_HTTP_RAW_HTTP_CLIENT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace marquee::http::test {

// One parsed response: the status, the raw header block and the body
// (by Content-Length; chunked responses are not needed by these tests).
struct RawResponse {
  int status = 0;
  std::string head;
  std::string body;

  // The value of header `name` (case-insensitive), or none.
  std::optional<std::string> Header(std::string_view name) const {
    size_t line = head.find("\r\n");
    while (line != std::string::npos && line + 2 < head.size()) {
      const size_t start = line + 2;
      const size_t end = head.find("\r\n", start);
      const std::string_view field(head.data() + start,
                                   (end == std::string::npos ? head.size() : end) - start);
      const size_t colon = field.find(':');
      if (colon == name.size() && strncasecmp(field.data(), name.data(), name.size()) == 0) {
        std::string_view value = field.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        return std::string(value);
      }
      line = end;
    }
    return std::nullopt;
  }
};

class RawHttpClient {
 public:
  explicit RawHttpClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawHttpClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawHttpClient(const RawHttpClient&) = delete;
  RawHttpClient& operator=(const RawHttpClient&) = delete;

  bool connected() const { return fd_ >= 0; }

  // Writes all of `bytes`; false when the peer closed or the write failed.
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response; none when the connection closed first or nothing
  // complete arrived within `timeout`.
  std::optional<RawResponse> Read(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill(deadline)) return std::nullopt;
    }
    RawResponse response;
    response.head = buffer_.substr(0, head_end);
    if (response.head.size() < 12) return std::nullopt;
    response.status = std::atoi(response.head.c_str() + 9);
    const std::optional<std::string> length = response.Header("Content-Length");
    const size_t body_size = length ? std::strtoull(length->c_str(), nullptr, 10) : 0;
    while (buffer_.size() < head_end + 4 + body_size) {
      if (!Fill(deadline)) return std::nullopt;
    }
    response.body = buffer_.substr(head_end + 4, body_size);
    buffer_.erase(0, head_end + 4 + body_size);
    return response;
  }

  // True when the server closed the connection (EOF) within `timeout`, with
  // nothing more sent.
  bool ClosedByPeer(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const size_t before = buffer_.size();
      if (!Fill(deadline)) return eof_ && buffer_.size() == before;
      if (buffer_.size() != before) return false;
    }
  }

 private:
  // Reads what is available into buffer_; false on EOF, error or deadline.
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool eof_ = false;
  std::string buffer_;
};

}  // namespace marquee::http::test

#endif  // MARQUEE_TESTS_HTTP_RAW_HTTP_CLIENT_H_
