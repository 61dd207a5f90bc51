// The connection pool and its circuit breaker.
#include "redis/connection_pool.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace marquee::redis::internal {

ConnectionPool::ConnectionPool(const RedisOptions& options, bool select_database)
    : options_(options), select_database_(select_database) {}

ConnectionPool::~ConnectionPool() = default;

bool ConnectionPool::Admit(bool* probe) {
  *probe = false;
  std::lock_guard<std::mutex> lock(mu_);
  if (!breaker_open_) return true;
  if (probe_in_flight_ || absl::Now() < retry_at_) return false;
  probe_in_flight_ = true;
  *probe = true;
  return true;
}

std::unique_ptr<Connection> ConnectionPool::TakeIdle() {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.empty()) return nullptr;
  std::unique_ptr<Connection> connection = std::move(idle_.back());
  idle_.pop_back();
  return connection;
}

void ConnectionPool::DropIdle() {
  std::vector<std::unique_ptr<Connection>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    dropped.swap(idle_);
  }
  // Closed outside the lock.
}

void ConnectionPool::RecordSuccess(bool probe, std::unique_ptr<Connection> connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (probe) {
    breaker_open_ = false;
    probe_in_flight_ = false;
  }
  if (!connection->broken() && idle_.size() < static_cast<size_t>(options_.pool_size)) {
    idle_.push_back(std::move(connection));
  }
}

void ConnectionPool::RecordFailure() {
  counters_.errors.fetch_add(1, std::memory_order_relaxed);
  std::vector<std::unique_ptr<Connection>> dropped;  // closed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  breaker_open_ = true;
  probe_in_flight_ = false;
  retry_at_ = absl::Now() + options_.retry_after;
  dropped.swap(idle_);
}

absl::StatusOr<std::vector<Reply>> ConnectionPool::Run(std::span<const Command> commands) {
  bool probe = false;
  if (!Admit(&probe)) {
    counters_.fast_failures.fetch_add(1, std::memory_order_relaxed);
    return absl::UnavailableError(absl::StrCat(
        "Redis at ", options_.host, ":", options_.port,
        " failed recently; not retrying before retry_after (",
        absl::FormatDuration(options_.retry_after), ") has passed"));
  }
  std::unique_ptr<Connection> connection = probe ? nullptr : TakeIdle();
  for (int attempt = 0;; ++attempt) {
    const bool reused = connection != nullptr;
    if (connection == nullptr) {
      absl::StatusOr<std::unique_ptr<Connection>> opened = Connection::Open(options_, select_database_);
      if (!opened.ok()) {
        RecordFailure();
        return opened.status();
      }
      counters_.connects.fetch_add(1, std::memory_order_relaxed);
      connection = *std::move(opened);
    }
    absl::StatusOr<std::vector<Reply>> replies = connection->Pipeline(commands);
    if (replies.ok()) {
      RecordSuccess(probe, std::move(connection));
      return replies;
    }
    // A pooled connection the server closed (it restarted, or dropped idle
    // clients): the other idle ones are as stale; try once on a new one.
    if (reused && attempt == 0 && connection->closed_by_peer()) {
      connection.reset();
      DropIdle();
      continue;
    }
    connection.reset();
    RecordFailure();
    return replies.status();
  }
}

}  // namespace marquee::redis::internal
