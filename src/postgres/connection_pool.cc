#include "postgres/connection_pool.h"

#include "absl/strings/str_cat.h"

namespace marquee::postgres::internal {

ConnectionPool::ConnectionPool(ConnectSettings settings, int size, absl::Duration acquire_timeout)
    : settings_(std::move(settings)), size_(size), acquire_timeout_(acquire_timeout) {}

ConnectionPool::~ConnectionPool() = default;

uint64_t ConnectionPool::connects() const {
  std::lock_guard lock(mu_);
  return connects_;
}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire() {
  std::unique_lock lock(mu_);
  const bool got = returned_.wait_for(lock, absl::ToChronoNanoseconds(acquire_timeout_),
                                      [&] { return !idle_.empty() || open_ < size_; });
  if (!got) {
    return absl::UnavailableError(absl::StrCat("no PostgreSQL connection was free within ",
                                               absl::FormatDuration(acquire_timeout_), " (pool of ",
                                               size_, ")"));
  }
  if (!idle_.empty()) {
    std::unique_ptr<Connection> connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(connection), /*fresh=*/false);
  }
  ++open_;
  lock.unlock();
  absl::StatusOr<std::unique_ptr<Connection>> opened = Connection::Open(settings_);
  lock.lock();
  if (!opened.ok()) {
    --open_;
    returned_.notify_one();
    return opened.status();
  }
  ++connects_;
  return Lease(this, *std::move(opened), /*fresh=*/true);
}

void ConnectionPool::Return(std::unique_ptr<Connection> connection) {
  // A connection left inside a transaction (an error path that could not
  // roll back) is not reused: the next user would run inside it.
  if (!connection->broken() && connection->in_transaction()) {
    (void)connection->ExecSimple("ROLLBACK", "rolling back");
  }
  std::vector<std::unique_ptr<Connection>> closing;
  {
    std::lock_guard lock(mu_);
    if (!connection->broken() && !connection->in_transaction()) {
      idle_.push_back(std::move(connection));
    } else if (!connection->broken()) {
      --open_;
    } else {
      // Broken: the idle ones most likely lead to the same dead server.
      --open_;
      open_ -= static_cast<int>(idle_.size());
      closing = std::move(idle_);
      idle_.clear();
    }
  }
  returned_.notify_all();
  // PQfinish outside the lock.
  closing.clear();
  connection.reset();
}

ConnectionPool::Lease::~Lease() {
  if (connection_ != nullptr) pool_->Return(std::move(connection_));
}

}  // namespace marquee::postgres::internal
