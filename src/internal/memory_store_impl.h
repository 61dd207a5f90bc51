// The MemoryStore implementation: write path (group commit), snapshots and
// the change feed in memory_store.cc, opening and recovery in
// memory_store_open.cc.
#ifndef MARQUEE_SRC_INTERNAL_MEMORY_STORE_IMPL_H_
#define MARQUEE_SRC_INTERNAL_MEMORY_STORE_IMPL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "internal/log_writer.h"
#include "internal/memory_state.h"
#include "internal/store_files.h"
#include "internal/watch_hub.h"
#include "marquee/memory_store.h"

namespace marquee::internal {

class MemoryStoreImpl final : public MemoryStore {
 public:
  explicit MemoryStoreImpl(const MemoryStoreOptions& options);
  ~MemoryStoreImpl() override;

  // Recovers from options.data_dir (if any) and starts background threads.
  absl::Status Open();

  absl::Status DefineIndex(const IndexSpec& spec) override;
  std::vector<IndexSpec> Indexes(std::string_view collection) const override;
  absl::StatusOr<Record> Get(std::string_view collection, std::string_view id) const override;
  absl::StatusOr<uint64_t> Write(const WriteBatch& batch, const WriteOptions& options) override;
  absl::StatusOr<ScanResult> Scan(const ScanRequest& request) const override;
  absl::StatusOr<std::unique_ptr<Subscription>> Watch(uint64_t after_version,
                                                      WatchHandler handler) override;
  uint64_t CurrentVersion() const override { return version_.load(std::memory_order_acquire); }

  absl::Status Checkpoint() override;
  absl::Status Sync() override;
  const RecoveryReport& recovery() const override { return recovery_; }
  MemoryStoreStats stats() const override;

 private:
  // One Write call waiting in the commit queue.
  struct PendingWrite {
    const WriteBatch* batch;
    bool sync;
    absl::StatusOr<uint64_t> result = absl::UnknownError("not committed");
    bool done = false;
    std::condition_variable cv{};
  };

  absl::Status ValidateBatch(const WriteBatch& batch) const;
  // Commits a group of writes as the leader: checks expectations, appends
  // one log write, syncs per policy, applies, publishes. Sets each result.
  void CommitGroup(const std::vector<PendingWrite*>& group);
  absl::Status RefuseWritesStatus() const;  // REQUIRES: commit_mu_ held
  // fdatasyncs the log; a failure makes the store refuse writes.
  // REQUIRES: commit_mu_ held, log_ set.
  absl::Status SyncLogLocked();

  // Recovery steps (memory_store_open.cc).
  absl::Status Recover();
  absl::Status ApplyRecovered(Commit commit);

  // Snapshot: roll the log and collect records under commit_mu_, then write.
  absl::Status DoCheckpoint();
  void SnapshotLoop();
  void FlushLoop();

  const MemoryStoreOptions options_;
  Clock* const clock_;
  // options_.codec, or the default one Open creates; set before anything is
  // read or written.
  std::shared_ptr<const Codec> codec_;
  MemoryState state_;
  std::unique_ptr<WatchHub> hub_;
  std::unique_ptr<DirLock> dir_lock_;
  RecoveryReport recovery_;
  std::atomic<uint64_t> version_{0};

  // The commit queue: the writer at the front leads a group.
  std::mutex queue_mu_;
  std::deque<PendingWrite*> queue_;

  // Held by the commit leader, and by whatever else must not interleave with
  // a commit (index declaration, log roll, fsync timer).
  mutable std::mutex commit_mu_;
  // Null without a data_dir. Shared so the flusher can fsync it outside
  // commit_mu_ while a checkpoint replaces it.
  std::shared_ptr<LogWriter> log_;
  std::vector<NumberedFile> log_files_;     // oldest first; the last is log_
  uint64_t older_log_bytes_ = 0;            // sizes of log_files_ except the last
  absl::Status write_failure_;              // sticky after an I/O failure
  bool dirty_ = false;                      // appended but not synced
  uint64_t log_bytes_since_snapshot_ = 0;

  // Background work.
  std::mutex checkpoint_mu_;  // one snapshot at a time
  std::mutex background_mu_;
  std::condition_variable background_cv_;
  bool stopping_ = false;
  bool snapshot_requested_ = false;
  std::thread snapshot_thread_;
  std::thread flush_thread_;

  std::atomic<uint64_t> fsyncs_{0};
  std::atomic<uint64_t> group_commits_{0};
  std::atomic<uint64_t> snapshots_written_{0};
};

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_MEMORY_STORE_IMPL_H_
