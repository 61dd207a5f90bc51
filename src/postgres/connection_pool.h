// A fixed-size pool of libpq connections that reconnects.
//
// Connections open lazily, up to `size`; a caller waits up to the acquire
// timeout for one to come back. A connection found broken (PQstatus
// CONNECTION_BAD: the server restarted, the backend was terminated, the
// network dropped) is closed rather than returned, and with it every idle
// connection, which most likely leads to the same dead server. Run() retries
// an operation once on a freshly opened connection when it failed because a
// reused connection was broken and the operation says a retry is safe; so
// after a server restart the first call reconnects instead of failing.
// Thread-safety: every method may be called concurrently.
#ifndef MARQUEE_SRC_POSTGRES_CONNECTION_POOL_H_
#define MARQUEE_SRC_POSTGRES_CONNECTION_POOL_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "postgres/connection.h"

namespace marquee::postgres::internal {

class ConnectionPool {
 public:
  ConnectionPool(ConnectSettings settings, int size, absl::Duration acquire_timeout);
  ~ConnectionPool();

  // A connection on loan; returned to the pool (or closed if broken) when
  // destroyed.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> connection, bool fresh)
        : pool_(pool), connection_(std::move(connection)), fresh_(fresh) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() { return *connection_; }
    Connection* operator->() { return connection_.get(); }
    // True when the connection was opened for this lease (not reused).
    bool fresh() const { return fresh_; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
    bool fresh_;
  };

  // Errors: Unavailable (cannot connect, or no connection came back within
  // the acquire timeout).
  absl::StatusOr<Lease> Acquire();

  // Runs `op(Connection&, bool* retry_safe)` on a pooled connection. When it
  // fails with the connection broken, the connection had been reused, and
  // the op left *retry_safe true (it starts true; a write clears it once it
  // has sent COMMIT), runs it once more on a new connection.
  template <typename Op>
  auto Run(Op op) -> decltype(op(std::declval<Connection&>(), std::declval<bool*>())) {
    for (int attempt = 0;; ++attempt) {
      absl::StatusOr<Lease> lease = Acquire();
      if (!lease.ok()) return lease.status();
      bool retry_safe = true;
      auto result = op(**lease, &retry_safe);
      if (result.ok() || !(*lease)->broken() || lease->fresh() || !retry_safe || attempt > 0) {
        return result;
      }
    }
  }

  const ConnectSettings& settings() const { return settings_; }
  uint64_t connects() const;

 private:
  void Return(std::unique_ptr<Connection> connection);

  const ConnectSettings settings_;
  const int size_;
  const absl::Duration acquire_timeout_;
  mutable std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // idle plus on loan plus being opened
  uint64_t connects_ = 0;
};

}  // namespace marquee::postgres::internal

#endif  // MARQUEE_SRC_POSTGRES_CONNECTION_POOL_H_
