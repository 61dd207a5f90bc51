// A pool of Redis connections behind a circuit breaker.
//
// Run() takes an idle connection (or opens one), runs a pipeline on it and
// gives it back. A connection that failed is discarded, never reused. A
// failure (cannot connect, I/O error, timeout) opens the breaker: for
// options.retry_after every Run fails at once with Unavailable, without
// touching the network; then one caller probes (the others still fail
// fast) and a success closes the breaker. Idle connections are dropped on
// a failure too: they lead to the same (likely dead) server. A reused idle
// connection that the server had closed (a restart) is retried once on a
// fresh connection before that counts as a failure.
// Thread-safety: every method may be called concurrently.
#ifndef MARQUEE_SRC_REDIS_CONNECTION_POOL_H_
#define MARQUEE_SRC_REDIS_CONNECTION_POOL_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/redis/redis_options.h"
#include "redis/connection.h"

namespace marquee::redis::internal {

struct PoolCounters {
  std::atomic<uint64_t> errors{0};         // Runs that failed on the network
  std::atomic<uint64_t> fast_failures{0};  // Runs refused by the open breaker
  std::atomic<uint64_t> connects{0};       // connections opened
};

class ConnectionPool {
 public:
  // `select_database`: send SELECT options.database on each connection.
  ConnectionPool(const RedisOptions& options, bool select_database);
  ~ConnectionPool();

  // Runs the commands as one pipeline; see Connection::Pipeline.
  // Errors: Unavailable.
  absl::StatusOr<std::vector<Reply>> Run(std::span<const Command> commands);

  const PoolCounters& counters() const { return counters_; }
  const RedisOptions& options() const { return options_; }

 private:
  // Whether the caller may use the network; sets *probe when the caller is
  // the one probe after retry_after.
  bool Admit(bool* probe);
  void RecordSuccess(bool probe, std::unique_ptr<Connection> connection);
  void RecordFailure();
  std::unique_ptr<Connection> TakeIdle();
  void DropIdle();

  const RedisOptions options_;
  const bool select_database_;
  PoolCounters counters_;

  // std::mutex rather than absl::Mutex: Debian's Abseil is not built with
  // TSan, which then could not see this synchronisation.
  std::mutex mu_;
  // Guarded by mu_:
  std::vector<std::unique_ptr<Connection>> idle_;
  bool breaker_open_ = false;
  bool probe_in_flight_ = false;
  absl::Time retry_at_ = absl::InfinitePast();
};

}  // namespace marquee::redis::internal

#endif  // MARQUEE_SRC_REDIS_CONNECTION_POOL_H_
