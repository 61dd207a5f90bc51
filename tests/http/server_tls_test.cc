// The Server over TLS (ServerOptions::tls_certificate_file): requests,
// keep-alive and a Server-Sent Event stream through a verified TLS 1.2/1.3
// session; close_notify after the last answer; TLS 1.1 and plaintext
// refused; a client that never finishes its handshake timed out; bad
// certificate options refused by Start.
#include <doctest/doctest.h>

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include "http/server/tls_context.h"
#include "server_fixture.h"
#include "tls_test_files.h"

namespace marquee::http {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using test::RawClient;
using test::TlsTestFiles;
using test::Wire;

// A blocking TLS client that trusts the test certificate, with an optional
// ceiling on the protocol version it offers.
class TlsClient {
 public:
  TlsClient(uint16_t port, const TlsTestFiles& files, int max_version = 0)
      : context_(asio::ssl::context::tls_client) {
    context_.load_verify_file(files.cert());
    context_.set_verify_mode(asio::ssl::verify_peer);
    if (max_version != 0) {
      // Old protocols need the lowest security level to be offered at all,
      // so that only the server's floor can refuse them.
      SSL_CTX_set_security_level(context_.native_handle(), 0);
      SSL_CTX_set_min_proto_version(context_.native_handle(), 0);
      SSL_CTX_set_max_proto_version(context_.native_handle(), max_version);
    }
    // The stream copies the context's settings when made: after them.
    stream_.emplace(io_, context_);
    stream_->next_layer().connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
  }

  // True when the handshake succeeded (the certificate verified).
  bool Handshake() {
    boost::system::error_code ec;
    stream_->handshake(asio::ssl::stream_base::client, ec);
    return !ec;
  }
  std::string_view version() { return SSL_get_version(stream_->native_handle()); }

  void Send(std::string_view bytes) { asio::write(*stream_, asio::buffer(bytes)); }

  // Reads until `needle` arrived; false when the stream ended first.
  bool ReadUntil(std::string_view needle) {
    while (buffer_.find(needle) == std::string::npos) {
      char chunk[4096];
      boost::system::error_code ec;
      const size_t n = stream_->read_some(asio::buffer(chunk), ec);
      if (ec) {
        last_error_ = ec;
        return false;
      }
      buffer_.append(chunk, n);
    }
    return true;
  }
  // Reads to the end of the stream; the error that ended it.
  boost::system::error_code ReadToEnd() {
    ReadUntil(std::string_view("\0never\0", 7));
    return last_error_;
  }
  const std::string& received() const { return buffer_; }

 private:
  asio::io_context io_;
  asio::ssl::context context_;
  std::optional<asio::ssl::stream<tcp::socket>> stream_;
  std::string buffer_;
  boost::system::error_code last_error_;
};

struct TlsServer {
  TlsTestFiles files;
  std::unique_ptr<test::ServerFixture> fixture;

  explicit TlsServer(ServerOptions options = {}, test::Domain domain = {}) {
    options.tls_certificate_file = files.cert();
    options.tls_private_key_file = files.key();
    fixture = std::make_unique<test::ServerFixture>(std::move(options), ApiOptions{}, domain);
  }
  uint16_t port() const { return fixture->port(); }
};

TEST_SUITE("http.server_tls") {
  TEST_CASE("requests on one kept-alive TLS connection are answered") {
    TlsServer s;
    TlsClient c(s.port(), s.files);
    REQUIRE(c.Handshake());
    CHECK((c.version() == "TLSv1.3" || c.version() == "TLSv1.2"));
    c.Send(Wire("GET", "/healthz"));
    REQUIRE(c.ReadUntil(R"({"status":"ok"})"));
    CHECK(c.received().find("HTTP/1.1 200") == 0);
    c.Send(Wire("POST", "/v1/campaigns", "",
                R"({"id":"tls","name":"Over TLS","status":"draft","variants":[{"key":"a","weight":1}]})"));
    REQUIRE(c.ReadUntil(R"("id":"tls")"));
    CHECK(c.received().find("HTTP/1.1 201") != std::string::npos);
    CHECK(s.fixture->Get("/v1/campaigns/tls").status == 200);
  }

  TEST_CASE("TLS 1.2 is accepted and TLS 1.1 is refused") {
    TlsServer s;
    TlsClient v12(s.port(), s.files, TLS1_2_VERSION);
    REQUIRE(v12.Handshake());
    CHECK(v12.version() == "TLSv1.2");
    TlsClient v11(s.port(), s.files, TLS1_1_VERSION);
    CHECK_FALSE(v11.Handshake());
    TlsClient again(s.port(), s.files);
    CHECK(again.Handshake());
  }

  TEST_CASE("the TLS context sets TLS 1.2 as its floor and refuses renegotiation") {
    // Debian's OpenSSL (security level 2) refuses TLS 1.1 already, so the
    // handshake above would pass without the server's own floor; this
    // checks the floor itself, which holds whatever the system's policy.
    TlsTestFiles files;
    absl::StatusOr<std::unique_ptr<asio::ssl::context>> context = internal::MakeTlsContext(
        {.tls_certificate_file = files.cert(), .tls_private_key_file = files.key()});
    REQUIRE_MESSAGE(context.ok(), context.status().ToString());
    REQUIRE(*context != nullptr);
    SSL_CTX* native = (*context)->native_handle();
    CHECK(SSL_CTX_get_min_proto_version(native) == TLS1_2_VERSION);
    CHECK((SSL_CTX_get_options(native) & SSL_OP_NO_RENEGOTIATION) != 0);
    absl::StatusOr<std::unique_ptr<asio::ssl::context>> plain = internal::MakeTlsContext({});
    REQUIRE(plain.ok());
    CHECK(*plain == nullptr);
  }

  TEST_CASE("the last answer before a close ends with close_notify, not a truncation") {
    TlsServer s;
    TlsClient c(s.port(), s.files);
    REQUIRE(c.Handshake());
    c.Send(Wire("GET", "/healthz", "Connection: close\r\n"));
    const boost::system::error_code end = c.ReadToEnd();
    CHECK(c.received().find(R"({"status":"ok"})") != std::string::npos);
    CHECK_MESSAGE(end == asio::error::eof, end.message());
  }

  TEST_CASE("plaintext HTTP on the TLS port gets no answer and harms nothing") {
    TlsServer s;
    RawClient plain(s.port());
    REQUIRE(plain.Send(Wire("GET", "/healthz")));
    CHECK_FALSE(plain.Read().has_value());  // closed after the failed handshake
    TlsClient c(s.port(), s.files);
    REQUIRE(c.Handshake());
    c.Send(Wire("GET", "/healthz"));
    CHECK(c.ReadUntil(R"({"status":"ok"})"));
  }

  TEST_CASE("a client that never finishes its handshake is closed after header_read_timeout" *
            doctest::test_suite("concurrent")) {
    TlsServer s(ServerOptions{.header_read_timeout = absl::Milliseconds(300)});
    RawClient silent(s.port());
    REQUIRE(silent.connected());
    const auto start = std::chrono::steady_clock::now();
    CHECK(silent.WaitClosed(std::chrono::seconds(10)));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  }

  TEST_CASE("a poll's event stream flows over TLS" * doctest::test_suite("concurrent")) {
    TlsServer s({}, {.polls = true});
    Response created = s.fixture->SendJson(
        "POST", "/v1/polls",
        R"({"id":"colour","question":"?","options":[{"key":"red","label":"Red"},{"key":"blue","label":"Blue"}]})");
    REQUIRE_MESSAGE(created.status == 201, created.body);
    TlsClient c(s.port(), s.files);
    REQUIRE(c.Handshake());
    c.Send(Wire("GET", "/v1/polls/colour/stream"));
    REQUIRE(c.ReadUntil(R"("total":0})"));
    CHECK(c.received().find("Content-Type: text/event-stream") != std::string::npos);
    CHECK(s.fixture->SendJson("POST", "/v1/polls/colour/votes", R"({"user":"u1","option":"red"})")
              .status == 201);
    CHECK(c.ReadUntil(R"({"poll":"colour","counts":{"blue":0,"red":1},"total":1})"));
    CHECK(s.fixture->api->live_streams() == 1);
  }

  TEST_CASE("Start refuses incomplete unreadable or mismatched certificate options") {
    TlsTestFiles files;
    test::ApiFixture f;
    const auto start = [&](std::string cert, std::string key) {
      return Server::Start(*f.api, {.listen = "127.0.0.1:0",
                                    .tls_certificate_file = std::move(cert),
                                    .tls_private_key_file = std::move(key)})
          .status();
    };
    absl::Status only_cert = start(files.cert(), "");
    CHECK(absl::IsInvalidArgument(only_cert));
    CHECK(only_cert.message().find("both or neither") != std::string_view::npos);
    absl::Status missing = start(files.missing(), files.key());
    CHECK(absl::IsInvalidArgument(missing));
    CHECK(missing.message().find("tls_certificate_file") != std::string_view::npos);
    CHECK(absl::IsInvalidArgument(start(files.Write("junk.pem", "not a certificate\n"), files.key())));
    CHECK(absl::IsInvalidArgument(start(files.cert(), files.Write("junk-key.pem", "-----BEGIN"))));
    absl::Status mismatch = start(files.cert(), files.other_key());
    CHECK(absl::IsInvalidArgument(mismatch));
    CHECK(mismatch.message().find("does not match") != std::string_view::npos);
    CHECK(start(files.cert(), files.key()).ok());
  }
}

}  // namespace
}  // namespace marquee::http
