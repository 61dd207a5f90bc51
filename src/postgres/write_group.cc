// PostgresStore::Write: group commit.
//
// Writers of one store are serialized by the meta row lock, held until
// COMMIT returns (write_transaction.cc says why), and COMMIT waits for the
// WAL flush. One batch per transaction would cap a node at one flush per
// write however many threads write, so concurrent Write calls of this node
// are committed together: the first caller becomes the leader, takes every
// batch queued behind it (up to kMaxGroupBatches and max_batch_bytes) and
// commits them in one transaction, each with its own version, in queue
// order, each checking its expected versions against the state the earlier
// ones left, as if they had committed one by one. A refused batch (an
// expected version that does not hold) fails alone. A batch whose SQL fails
// for its own data aborts the transaction: the group is then written again
// one batch per transaction, so every batch gets the outcome it would have
// had alone. An unreachable database, a timeout or a lock abort fails the
// whole group at once (every batch would meet it again).
// A lone writer waits for no one: its group is itself.
#include <algorithm>
#include <span>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/status.h"
#include "postgres/postgres_store_impl.h"

namespace marquee::postgres::internal {
namespace {

// Batches in one transaction at most: bounds how long one group holds the
// writer lock, and the latency of the batches at its end.
constexpr size_t kMaxGroupBatches = 64;

size_t BatchBytes(const WriteBatch& batch) {
  size_t bytes = 0;
  for (const auto& op : batch.ops()) {
    bytes += op.collection.size() + op.id.size() + op.body.text().size();
  }
  return bytes;
}

}  // namespace

absl::StatusOr<uint64_t> PostgresStoreImpl::Write(const WriteBatch& batch,
                                                  const WriteOptions& /*options*/) {
  // WriteOptions::sync needs nothing: COMMIT returns once PostgreSQL has
  // made the transaction durable (per its synchronous_commit setting).
  MARQUEE_RETURN_IF_ERROR(ValidateBatch(batch));
  PendingWrite self{.batch = &batch, .bytes = BatchBytes(batch)};
  std::unique_lock lock(group_mu_);
  group_queue_.push_back(&self);
  while (true) {
    group_cv_.wait(lock, [&] { return self.done || !group_leader_; });
    if (self.done) break;
    // Lead one group: what is queued, from the front (ours may be behind
    // a full group; then this thread leads again).
    group_leader_ = true;
    std::vector<PendingWrite*> group;
    size_t bytes = 0;
    while (!group_queue_.empty() && group.size() < kMaxGroupBatches) {
      PendingWrite* next = group_queue_.front();
      if (!group.empty() && bytes + next->bytes > options_.max_batch_bytes) break;
      bytes += next->bytes;
      group.push_back(next);
      group_queue_.pop_front();
    }
    lock.unlock();
    CommitGroup(group);
    lock.lock();
    for (PendingWrite* write : group) write->done = true;
    group_leader_ = false;
    group_cv_.notify_all();
  }
  if (self.result.ok()) NoteVersion(*self.result);
  return std::move(self.result);
}

void PostgresStoreImpl::CommitGroup(std::span<PendingWrite* const> group) {
  int failed_batch = -1;
  absl::Status status = pool_.Run([&](Connection& conn, bool* retry_safe) {
    return WriteGroupOnce(conn, group, retry_safe, &failed_batch);
  });
  if (status.ok()) return;  // each write has its result
  if (failed_batch >= 0 && group.size() > 1) {
    // One batch's SQL failed and took the group down: alone, each batch
    // commits or fails on its own merits.
    for (PendingWrite* write : group) CommitGroup(std::span<PendingWrite* const>(&write, 1));
    return;
  }
  for (PendingWrite* write : group) write->result = status;
}

}  // namespace marquee::postgres::internal
