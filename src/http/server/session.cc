#include "http/server/session.h"

#include <array>
#include <mutex>
#include <optional>
#include <utility>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "absl/strings/str_cat.h"
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
// An answer buffer up to this size is kept for the connection's next answer.
constexpr size_t kKeptResponseBytes = 64 * 1024;

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

// The StreamSink of one streaming Session: counts the queued bytes under a
// mutex (any thread), posts the bytes to the session's io thread.
class StreamSinkImpl : public StreamSink {
 public:
  StreamSinkImpl(asio::any_io_executor executor, std::weak_ptr<Session> session, size_t limit)
      : executor_(std::move(executor)), session_(std::move(session)), limit_(limit) {}

  bool Write(std::string bytes) override {
    {
      std::lock_guard lock(mu_);
      if (closed_) return false;
      if (queued_ + bytes.size() > limit_) {
        // A slow reader: close rather than buffer without bound.
        closed_ = true;
        asio::post(executor_, [w = session_] {
          if (auto s = w.lock()) s->CloseNow();
        });
        return false;
      }
      queued_ += bytes.size();
    }
    asio::post(executor_, [w = session_, b = std::move(bytes)]() mutable {
      if (auto s = w.lock()) s->QueueStreamBytes(std::move(b), /*counted=*/true);
    });
    return true;
  }
  bool open() const override {
    std::lock_guard lock(mu_);
    return !closed_;
  }
  void Written(size_t n) {
    std::lock_guard lock(mu_);
    queued_ -= std::min(queued_, n);
  }
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
  }

 private:
  const asio::any_io_executor executor_;
  const std::weak_ptr<Session> session_;
  const size_t limit_;
  mutable std::mutex mu_;
  bool closed_ = false;
  size_t queued_ = 0;
};

Session::Session(asio::ip::tcp::socket socket, ServerState& state)
    : state_(state), stream_(std::move(socket), state.tls.get()) {
  remote_address_ = AddressText(stream_.socket());
}

Session::~Session() {
  if (sink_) sink_->Close();
  if (auto stream = std::move(stream_body_)) stream->Stop();
  std::lock_guard lock(state_.mu);
  state_.sessions.erase(this);
  state_.session_closed.notify_all();
}

void Session::Start() {
  if (state_.draining.load()) return CloseNow();
  if (!stream_.tls()) return ReadHeader();
  // The handshake counts as the first request's header: a client that
  // opens connections and never finishes a handshake is closed as soon.
  stream_.tcp().expires_after(ToChrono(state_.options.header_read_timeout));
  stream_.AsyncHandshake([self = shared_from_this()](const error_code& ec) {
    if (ec) return self->CloseNow();
    self->ReadHeader();
  });
}

void Session::Drain() {
  // kBusy: OnWrite sees `draining` and closes after the answer. A stream
  // has no end to wait for: it closes now.
  if (phase_ != Phase::kBusy) CloseNow();
}

void Session::Abort() { CloseNow(); }

void Session::WaitForRequest() {
  phase_ = Phase::kWaiting;
  if (buffer_.size() > 0) return ReadHeader();  // pipelined: already here
  // An idle keep-alive connection: wait up to idle_timeout for a first byte,
  // and only then start the (shorter) header clock.
  stream_.tcp().expires_after(ToChrono(state_.options.idle_timeout));
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
  stream_.tcp().expires_after(ToChrono(state_.options.header_read_timeout));
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
  stream_.tcp().expires_after(ToChrono(state_.options.idle_timeout));
  asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                    [self = shared_from_this()](const error_code& ec, size_t) {
                      if (ec) return self->CloseNow();
                      self->ReadBody();
                    });
}

void Session::ReadBody() {
  stream_.tcp().expires_after(ToChrono(state_.options.body_read_timeout));
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
  std::optional<Response> host_answer;
  if (state_.options.host_routes) host_answer = state_.options.host_routes(request);
  Response response = host_answer ? *std::move(host_answer) : state_.api.Handle(request);
  Write(std::move(response), !keep_alive, std::move(request.method), std::move(request.target));
}

void Session::Write(Response response, bool close, std::string method, std::string target) {
  if (response.stream) {
    method_ = std::move(method);
    target_ = std::move(target);
    if (response.status >= 200 && response.status < 300 && response.status != 204) {
      return StartStream(std::move(response));
    }
    response.stream->Stop();  // not an answer with a body: nothing to stream
    response.stream.reset();
    method = std::move(method_);
    target = std::move(target_);
  }
  ++requests_;
  const size_t max_requests = state_.options.max_requests_per_connection;
  close_after_write_ = close || state_.draining.load() ||
                       (max_requests != 0 && requests_ >= max_requests);
  method_ = std::move(method);
  target_ = std::move(target);
  response_status_ = response.status;
  response_bytes_ = SerializeResponse(std::move(response), !close_after_write_);
  stream_.tcp().expires_after(ToChrono(state_.options.idle_timeout));
  asio::async_write(stream_, asio::buffer(response_bytes_),
                    [self = shared_from_this()](const error_code& ec, size_t n) {
                      self->OnWrite(ec, n);
                    });
}

void Session::OnWrite(const error_code& ec, size_t bytes) {
  if (state_.options.access_log) {
    state_.options.access_log(AccessLogEntry{
        .method = method_,
        .target = target_,
        .status = response_status_,
        .latency = absl::FromChrono(std::chrono::steady_clock::now() - header_done_),
        .bytes_in = bytes_in_,
        .bytes_out = bytes,
        .remote_address = remote_address_,
    });
  }
  // Keep the capacity for the connection's next answer; give back a large one.
  if (response_bytes_.capacity() > kKeptResponseBytes) {
    std::string().swap(response_bytes_);
  } else {
    response_bytes_.clear();
  }
  if (ec) return CloseNow();
  if (close_after_write_ || state_.draining.load()) return LingeringClose();
  WaitForRequest();
}

void Session::LingeringClose() {
  phase_ = Phase::kClosing;
  if (stream_.tls()) {
    // close_notify tells the client the answer is complete (not truncated);
    // the peer's close_notify, or the linger time, ends the connection.
    stream_.tcp().expires_after(kLingerTime);
    return stream_.AsyncShutdown(
        [self = shared_from_this()](const error_code&) { self->CloseNow(); });
  }
  error_code ignored;
  stream_.socket().shutdown(asio::socket_base::shutdown_send, ignored);
  stream_.tcp().expires_after(kLingerTime);
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

void Session::StartStream(Response response) {
  phase_ = Phase::kStreaming;
  stream_status_ = response.status;
  stream_body_ = std::move(response.stream);
  std::string header = SerializeStreamHead(response);
  // Streams are exempt from the idle timeout; the queue bound and the
  // heartbeats find the clients that stop reading.
  stream_.tcp().expires_never();
  if (state_.options.stream_send_buffer_bytes != 0) {
    error_code ignored;  // a kernel that refuses keeps its default; the queue bound still holds
    stream_.socket().set_option(
        asio::socket_base::send_buffer_size(static_cast<int>(state_.options.stream_send_buffer_bytes)),
        ignored);
  }
  sink_ = std::make_shared<StreamSinkImpl>(stream_.get_executor(), weak_from_this(),
                                           state_.options.max_stream_queue_bytes);
  QueueStreamBytes(std::move(header), /*counted=*/false);
  stream_body_->Start(sink_);
  // The client sends nothing more; a read ends when it goes away.
  auto drop = std::make_shared<std::array<char, 512>>();
  struct Watch {
    std::shared_ptr<Session> self;
    std::shared_ptr<std::array<char, 512>> drop;
    void operator()(const error_code& ec, size_t) {
      if (ec || self->phase_ != Phase::kStreaming) return self->CloseNow();
      self->stream_.async_read_some(asio::buffer(*drop), std::move(*this));
    }
  };
  stream_.async_read_some(asio::buffer(*drop), Watch{shared_from_this(), drop});
}

void Session::QueueStreamBytes(std::string bytes, bool counted) {
  if (phase_ != Phase::kStreaming) return;
  stream_out_.emplace_back(std::move(bytes), counted);
  if (!stream_writing_) WriteNextStreamBytes();
}

void Session::WriteNextStreamBytes() {
  if (stream_out_.empty() || phase_ != Phase::kStreaming) {
    stream_writing_ = false;
    return;
  }
  stream_writing_ = true;
  const std::string& front = stream_out_.front().first;
  asio::async_write(stream_, asio::buffer(front.data(), front.size()),
                    [self = shared_from_this()](const error_code& ec, size_t n) {
                      if (self->stream_out_.empty()) return;
                      if (self->stream_out_.front().second) self->sink_->Written(n);
                      self->stream_bytes_out_ += n;
                      self->stream_out_.pop_front();
                      if (ec) {
                        self->stream_writing_ = false;
                        return self->CloseNow();
                      }
                      self->WriteNextStreamBytes();
                    });
}

void Session::CloseNow() {
  if (phase_ == Phase::kStreaming) {
    if (sink_) sink_->Close();
    if (auto stream = std::move(stream_body_)) stream->Stop();
    if (state_.options.access_log) {
      state_.options.access_log(AccessLogEntry{
          .method = method_,
          .target = target_,
          .status = stream_status_,
          .latency = absl::FromChrono(std::chrono::steady_clock::now() - header_done_),
          .bytes_in = bytes_in_,
          .bytes_out = stream_bytes_out_,
          .remote_address = remote_address_,
      });
    }
  }
  phase_ = Phase::kClosing;
  error_code ignored;
  stream_.socket().shutdown(asio::socket_base::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

}  // namespace marquee::http::internal
