// What a Server's connections share: the Api, the options, and the registry
// of open connections that max_connections and Shutdown work from.
#ifndef MARQUEE_SRC_HTTP_SERVER_SERVER_STATE_H_
#define MARQUEE_SRC_HTTP_SERVER_SERVER_STATE_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <unordered_map>

#include <boost/asio/ssl/context.hpp>

#include "marquee/http/api.h"
#include "marquee/http/server.h"

namespace marquee::http::internal {

class Session;

struct ServerState {
  ServerState(const Api& a, ServerOptions o) : api(a), options(std::move(o)) {}

  const Api& api;
  const ServerOptions options;
  // The TLS context (certificate, key, protocol floor) when the options name
  // a certificate; null: plain TCP.
  std::unique_ptr<boost::asio::ssl::context> tls;
  // Set once by Shutdown: a connection closes after its current answer.
  std::atomic<bool> draining{false};

  std::mutex mu;
  // Signalled when a session leaves `sessions`.
  std::condition_variable session_closed;
  // Every open connection; a Session removes itself when destroyed.
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions;
};

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_SERVER_SERVER_STATE_H_
