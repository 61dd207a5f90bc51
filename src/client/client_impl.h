// Client's private state, shared by client.cc (transport, retries) and
// campaign_calls.cc (typed calls).
#ifndef MARQUEE_SRC_CLIENT_CLIENT_IMPL_H_
#define MARQUEE_SRC_CLIENT_CLIENT_IMPL_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/circuit_breaker.h"
#include "client/response_cache.h"
#include "marquee/client/client.h"

namespace httplib {
class Client;
}  // namespace httplib

namespace marquee::client {

struct Client::Impl {
  explicit Impl(ClientOptions options);

  absl::StatusOr<Reply> Send(const Call& call);
  // One request on a pooled connection, no retry.
  absl::StatusOr<Reply> Attempt(const Call& call, const std::string* if_none_match);
  std::unique_ptr<httplib::Client> AcquireConnection();
  void ReleaseConnection(std::unique_ptr<httplib::Client> connection);
  // A draw from [0, 1) for the backoff jitter.
  double Uniform();

  const ClientOptions options;
  const Clock* const clock;
  internal::CircuitBreaker breaker;
  internal::ResponseCache cache;
  std::atomic<uint64_t> fast_failures{0};

  std::mutex pool_mu;
  std::vector<std::unique_ptr<httplib::Client>> idle;

  std::mutex random_mu;
  std::mt19937_64 random;
};

}  // namespace marquee::client

#endif  // MARQUEE_SRC_CLIENT_CLIENT_IMPL_H_
