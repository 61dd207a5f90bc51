#include "http/server/session.h"

#include <array>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "absl/time/time.h"
#include "http/text_internal.h"

namespace marquee::http::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

// How long a closing connection keeps reading (and dropping) what the peer
// still sends after the last answer, and how much of it.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = size_t{1} << 20;
// Bytes asked of the socket when waiting for a request's first byte.
constexpr size_t kFirstReadBytes = 4096;

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

std::string AddressText(const asio::ip::tcp::socket& socket) {
  error_code ec;
  const asio::ip::tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return "";
  const std::string port = std::to_string(peer.port());
  if (peer.address().is_v6()) return "[" + peer.address().to_string() + "]:" + port;
  return peer.address().to_string() + ":" + port;
}

}  // namespace

Session::Session(asio::ip::tcp::socket socket, ServerState& state)
    : state_(state), stream_(std::move(socket)) {
  remote_address_ = AddressText(stream_.socket());
}

Session::~Session() {
  std::lock_guard lock(state_.mu);
  state_.sessions.erase(this);
  state_.session_closed.notify_all();
}

void Session::Start() {
  if (state_.draining.load()) return CloseNow();
  ReadHeader();
}

void Session::Drain() {
  // kBusy: OnWrite sees `draining` and closes after the answer.
  if (phase_ != Phase::kBusy) CloseNow();
}

void Session::Abort() { CloseNow(); }

void Session::WaitForRequest() {
  phase_ = Phase::kWaiting;
  if (buffer_.size() > 0) return ReadHeader();  // pipelined: already here
  // An idle keep-alive connection: wait up to idle_timeout for a first byte,
  // and only then start the (shorter) header clock.
  stream_.expires_after(ToChrono(state_.options.idle_timeout));
  stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                          [self = shared_from_this()](const error_code& ec, size_t n) {
                            if (ec) return self->CloseNow();
                            self->buffer_.commit(n);
                            self->ReadHeader();
                          });
}

void Session::ReadHeader() {
  phase_ = Phase::kWaiting;
  parser_.emplace();
  parser_->header_limit(state_.options.max_header_bytes);
  parser_->body_limit(state_.options.max_body_bytes);
  stream_.expires_after(ToChrono(state_.options.header_read_timeout));
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = shared_from_this()](const error_code& ec, size_t n) {
                             self->OnHeader(ec, n);
                           });
}

void Session::OnHeader(const error_code& ec, size_t bytes) {
  header_done_ = std::chrono::steady_clock::now();
  bytes_in_ = bytes;
  method_.clear();
  target_.clear();
  phase_ = Phase::kBusy;
  if (ec) {
    std::optional<Response> problem = ProblemForParseError(ec);
    if (!problem) return CloseNow();
    return Write(*std::move(problem), /*close=*/true, "", "");
  }
  const BeastRequest& header = parser_->get();
  method_ = std::string(header.method_string());
  target_ = std::string(header.target());
  if (std::optional<Response> problem = CheckFraming(header, state_.options.max_header_count)) {
    return Write(*std::move(problem), /*close=*/true, method_, target_);
  }
  if (parser_->is_done()) return HandleRequest();
  const auto expect = header.find(bhttp::field::expect);
  if (expect != header.end() &&
      EqualsIgnoreCase(std::string_view(expect->value().data(), expect->value().size()),
                             "100-continue")) {
    return SendContinue();
  }
  ReadBody();
}

void Session::SendContinue() {
  // The client waits for this before sending its body (curl does, for
  // bodies over 1 KiB). A fixed string: nothing from the request in it.
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  stream_.expires_after(ToChrono(state_.options.idle_timeout));
  asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      if (ec) return self->CloseNow();
                      self->ReadBody();
                    });
}

void Session::ReadBody() {
  stream_.expires_after(ToChrono(state_.options.body_read_timeout));
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = shared_from_this()](const error_code& ec, size_t n) {
                      self->OnBody(ec, n);
                    });
}

void Session::OnBody(const error_code& ec, size_t bytes) {
  bytes_in_ += bytes;
  if (ec) {
    std::optional<Response> problem = ProblemForParseError(ec);
    if (!problem) return CloseNow();
    return Write(*std::move(problem), /*close=*/true, method_, target_);
  }
  HandleRequest();
}

void Session::HandleRequest() {
  const bool keep_alive = parser_->keep_alive();
  BeastRequest beast = parser_->release();
  parser_.reset();
  Request request = ToApiRequest(beast, remote_address_);
  Response response = state_.api.Handle(request);
  Write(std::move(response), !keep_alive, std::move(request.method), std::move(request.target));
}

void Session::Write(Response response, bool close, std::string method, std::string target) {
  ++requests_;
  const size_t max_requests = state_.options.max_requests_per_connection;
  close_after_write_ = close || state_.draining.load() ||
                       (max_requests != 0 && requests_ >= max_requests);
  method_ = std::move(method);
  target_ = std::move(target);
  response_ = std::make_unique<BeastResponse>(ToBeastResponse(std::move(response),
                                                              !close_after_write_));
  stream_.expires_after(ToChrono(state_.options.idle_timeout));
  bhttp::async_write(stream_, *response_,
                     [self = shared_from_this()](const error_code& ec, size_t n) {
                       self->OnWrite(ec, n);
                     });
}

void Session::OnWrite(const error_code& ec, size_t bytes) {
  if (state_.options.access_log) {
    state_.options.access_log(AccessLogEntry{
        .method = method_,
        .target = target_,
        .status = static_cast<int>(response_->result_int()),
        .latency = absl::FromChrono(std::chrono::steady_clock::now() - header_done_),
        .bytes_in = bytes_in_,
        .bytes_out = bytes,
        .remote_address = remote_address_,
    });
  }
  response_.reset();
  if (ec) return CloseNow();
  if (close_after_write_ || state_.draining.load()) return LingeringClose();
  WaitForRequest();
}

void Session::LingeringClose() {
  phase_ = Phase::kClosing;
  error_code ignored;
  stream_.socket().shutdown(asio::socket_base::shutdown_send, ignored);
  stream_.expires_after(kLingerTime);
  auto drop = std::make_shared<std::array<char, 16384>>();
  auto dropped = std::make_shared<size_t>(0);
  struct Loop {
    std::shared_ptr<Session> self;
    std::shared_ptr<std::array<char, 16384>> drop;
    std::shared_ptr<size_t> dropped;
    void operator()(const error_code& ec, size_t n) {
      *dropped += n;
      if (ec || *dropped > kLingerBytes) return self->CloseNow();
      self->stream_.async_read_some(asio::buffer(*drop), std::move(*this));
    }
  };
  stream_.async_read_some(asio::buffer(*drop), Loop{shared_from_this(), drop, dropped});
}

void Session::CloseNow() {
  phase_ = Phase::kClosing;
  error_code ignored;
  stream_.socket().shutdown(asio::socket_base::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

}  // namespace marquee::http::internal
