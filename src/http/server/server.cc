// Server: options, binding, the worker threads with one io_context each,
// the accept loop that spreads connections over them, and Shutdown.
#include "marquee/http/server.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>

#include "absl/status/status.h"
#include "http/server/framing.h"
#include "http/server/listen_address.h"
#include "http/server/server_state.h"
#include "http/server/session.h"
#include "http/server/tls_context.h"
#include "marquee/http/problem.h"

namespace marquee::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

absl::Status CheckOptions(const ServerOptions& o) {
  if (o.threads > 1024) return absl::InvalidArgumentError("threads: must be within [0, 1024]");
  if (o.max_header_bytes < 256 || o.max_header_bytes > (16u << 20)) {
    return absl::InvalidArgumentError("max_header_bytes: must be within [256, 16 MiB]");
  }
  if (o.max_header_count < 1 || o.max_header_count > 100000) {
    return absl::InvalidArgumentError("max_header_count: must be within [1, 100000]");
  }
  if (o.max_body_bytes > (uint64_t{1} << 30)) {
    return absl::InvalidArgumentError("max_body_bytes: must be within [0, 1 GiB]");
  }
  if (o.header_read_timeout <= absl::ZeroDuration() ||
      o.body_read_timeout <= absl::ZeroDuration() || o.idle_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "header_read_timeout, body_read_timeout and idle_timeout: must be positive");
  }
  if (o.max_connections < 1 || o.max_connections > 1000000) {
    return absl::InvalidArgumentError("max_connections: must be within [1, 1000000]");
  }
  if (o.max_stream_queue_bytes == 0) {
    return absl::InvalidArgumentError("max_stream_queue_bytes: must be positive");
  }
  if (o.stream_send_buffer_bytes != 0 &&
      (o.stream_send_buffer_bytes < 4096 || o.stream_send_buffer_bytes > (size_t{16} << 20))) {
    return absl::InvalidArgumentError(
        "stream_send_buffer_bytes: must be 0 or within [4 KiB, 16 MiB]");
  }
  return absl::OkStatus();
}

// The fixed answer to a connection past max_connections: a 503 problem as
// the Api makes them (generic detail, Retry-After), then close.
std::string TooManyConnectionsBytes() {
  Response r = ProblemResponse(absl::UnavailableError("too many connections"));
  std::string bytes = "HTTP/1.1 503 Service Unavailable\r\n";
  for (const auto& [name, value] : r.headers.fields()) bytes += name + ": " + value + "\r\n";
  bytes += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  bytes += "Connection: close\r\n\r\n" + r.body;
  return bytes;
}

}  // namespace

struct Server::Impl {
  Impl(const Api& api, ServerOptions options) : state(api, std::move(options)) {}

  void Accept();
  void OnAccept(const error_code& ec);
  void RefuseConnection(tcp::socket& socket);
  void Stop(absl::Duration drain);

  // Declared first: sessions destroyed with the io_contexts deregister here.
  internal::ServerState state;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::optional<tcp::acceptor> acceptor;
  std::optional<tcp::socket> accepting;  // the socket the pending accept fills
  std::optional<asio::steady_timer> retry_timer;  // after a failed accept
  size_t next_context = 0;
  std::vector<std::thread> threads;
  uint16_t port = 0;
  std::mutex stop_mu;
  bool stopped = false;
};

void Server::Impl::Accept() {
  // Round-robin: the next connection lives on the next worker's io_context.
  accepting.emplace(*contexts[next_context]);
  next_context = (next_context + 1) % contexts.size();
  acceptor->async_accept(*accepting, [this](const error_code& ec) { OnAccept(ec); });
}

void Server::Impl::OnAccept(const error_code& ec) {
  if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
  if (!ec) {
    tcp::socket socket = std::move(*accepting);
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::shared_ptr<internal::Session> session;
    {
      std::lock_guard lock(state.mu);
      if (state.sessions.size() < state.options.max_connections) {
        session = std::make_shared<internal::Session>(std::move(socket), state);
        state.sessions.emplace(session.get(), session);
      }
    }
    if (session) {
      asio::post(session->executor(), [session] { session->Start(); });
    } else {
      RefuseConnection(socket);
    }
  }
  if (!ec) return Accept();
  // Out of descriptors (EMFILE, ENFILE) or memory: accept would fail again
  // at once, so wait a moment instead of spinning. Other errors (a
  // connection reset before accept) concern one connection.
  retry_timer->expires_after(std::chrono::milliseconds(50));
  retry_timer->async_wait([this](const error_code& timer_ec) {
    if (!timer_ec && acceptor->is_open()) Accept();
  });
}

void Server::Impl::RefuseConnection(tcp::socket& socket) {
  // Best effort without blocking the accept loop: the answer fits in a
  // fresh socket's send buffer; input already received is read first so the
  // close does not reset the connection over unread bytes.
  static const std::string kBytes = TooManyConnectionsBytes();
  error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(asio::buffer(kBytes), ec);
  socket.shutdown(asio::socket_base::shutdown_send, ec);
  char drop[4096];
  while (!ec) socket.read_some(asio::buffer(drop), ec);
  socket.close(ec);
}

void Server::Impl::Stop(absl::Duration drain) {
  std::lock_guard stop_lock(stop_mu);
  if (stopped) return;
  stopped = true;
  const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(
                                                               std::max(drain, absl::ZeroDuration()));
  // 1. Stop accepting, on the acceptor's thread, and wait until it is done:
  //    after that no session can be added.
  if (threads.empty()) {
    error_code ignored;
    acceptor->close(ignored);
    retry_timer->cancel();
  } else {
    std::promise<void> closed;
    asio::post(*contexts[0], [this, &closed] {
      error_code ignored;
      acceptor->close(ignored);
      retry_timer->cancel();
      closed.set_value();
    });
    closed.get_future().wait();
  }
  // 2. Idle connections close now, busy ones after their answer.
  state.draining.store(true);
  const auto each_session = [this](void (internal::Session::*action)()) {
    std::vector<std::shared_ptr<internal::Session>> live;
    {
      std::lock_guard lock(state.mu);
      for (auto& [key, weak] : state.sessions) {
        if (std::shared_ptr<internal::Session> s = weak.lock()) live.push_back(std::move(s));
      }
    }
    for (std::shared_ptr<internal::Session>& s : live) {
      asio::post(s->executor(), [s, action] { ((*s).*action)(); });
    }
  };
  each_session(&internal::Session::Drain);
  // 3. Wait for the drain, then close what is left.
  {
    std::unique_lock lock(state.mu);
    state.session_closed.wait_until(lock, deadline, [this] { return state.sessions.empty(); });
  }
  each_session(&internal::Session::Abort);
  for (auto& guard : guards) guard.reset();
  for (auto& context : contexts) context->stop();
  for (std::thread& t : threads) t.join();
  threads.clear();
  // Destroying the io_contexts destroys the sessions still holding
  // handlers: after Stop nothing refers to the Api any more.
  accepting.reset();
  retry_timer.reset();
  acceptor.reset();
  guards.clear();
  contexts.clear();
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const Api& api, ServerOptions options) {
  if (absl::Status s = CheckOptions(options); !s.ok()) return s;
  absl::StatusOr<tcp::endpoint> endpoint = internal::ResolveListenAddress(options.listen);
  if (!endpoint.ok()) return endpoint.status();
  size_t threads = options.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());

  absl::StatusOr<std::unique_ptr<asio::ssl::context>> tls = internal::MakeTlsContext(options);
  if (!tls.ok()) return tls.status();

  auto impl = std::make_unique<Impl>(api, std::move(options));
  impl->state.tls = *std::move(tls);
  for (size_t i = 0; i < threads; ++i) {
    // Concurrency hint 1: each io_context is run by one thread only.
    impl->contexts.push_back(std::make_unique<asio::io_context>(1));
    impl->guards.push_back(asio::make_work_guard(*impl->contexts.back()));
  }
  impl->acceptor.emplace(*impl->contexts[0]);
  impl->retry_timer.emplace(*impl->contexts[0]);
  error_code ec;
  const auto fail = [&](std::string_view step) {
    return absl::UnavailableError("cannot listen on " + impl->state.options.listen + ": " +
                                  std::string(step) + ": " + ec.message());
  };
  impl->acceptor->open(endpoint->protocol(), ec);
  if (ec) return fail("socket");
  // A restarted server can bind while old connections are in TIME_WAIT.
  impl->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return fail("SO_REUSEADDR");
  impl->acceptor->bind(*endpoint, ec);
  if (ec) return fail("bind");
  impl->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  impl->port = impl->acceptor->local_endpoint(ec).port();
  if (ec) return fail("local address");

  impl->Accept();
  try {
    for (auto& context : impl->contexts) {
      impl->threads.emplace_back([context = context.get()] {
        // A handler that throws (none should) must not end the worker.
        for (;;) {
          try {
            context->run();
            return;
          } catch (const std::exception&) {
          }
        }
      });
    }
  } catch (const std::system_error& e) {
    impl->Stop(absl::ZeroDuration());
    return absl::InternalError(std::string("cannot start the server's threads: ") + e.what());
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Shutdown(absl::Seconds(10)); }

uint16_t Server::port() const { return impl_->port; }

void Server::Shutdown(absl::Duration drain) { impl_->Stop(drain); }

}  // namespace marquee::http
