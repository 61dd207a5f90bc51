// The PostgresStore implementation, one file per concern:
//   postgres_store.cc      opening, Get, Indexes, CurrentVersion
//   define_index.cc        DefineIndex (key column, back-fill, btree)
//   write_transaction.cc   Write: one transaction, the meta row lock,
//                          version checks, records, changes, NOTIFY
//   scan_query.cc          Scan: a key range over one btree column
//   change_feed.cc         Watch: LISTEN/NOTIFY plus reading the changes
//                          table; retention (PruneChanges)
#ifndef MARQUEE_SRC_POSTGRES_POSTGRES_STORE_IMPL_H_
#define MARQUEE_SRC_POSTGRES_POSTGRES_STORE_IMPL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "marquee/postgres/postgres_store.h"
#include "postgres/catalog.h"
#include "postgres/change_feed.h"
#include "postgres/connection_pool.h"
#include "postgres/schema.h"

namespace marquee::postgres::internal {

class PostgresStoreImpl final : public PostgresStore {
 public:
  explicit PostgresStoreImpl(const PostgresStoreOptions& options);
  ~PostgresStoreImpl() override;

  // Connects, creates the tables, declares options.indexes, starts the pruner.
  absl::Status Open();

  absl::Status DefineIndex(const IndexSpec& spec) override;
  std::vector<IndexSpec> Indexes(std::string_view collection) const override;
  absl::StatusOr<Record> Get(std::string_view collection, std::string_view id) const override;
  absl::StatusOr<uint64_t> Write(const WriteBatch& batch, const WriteOptions& options) override;
  absl::StatusOr<ScanResult> Scan(const ScanRequest& request) const override;
  absl::StatusOr<std::unique_ptr<Subscription>> Watch(uint64_t after_version,
                                                      WatchHandler handler) override;
  uint64_t CurrentVersion() const override;
  absl::StatusOr<uint64_t> PruneChanges() override;

 private:
  // A Write waiting to be committed in a group (write_group.cc).
  struct PendingWrite {
    const WriteBatch* batch = nullptr;
    size_t bytes = 0;  // ids and bodies, to bound a group's size
    absl::StatusOr<uint64_t> result = absl::UnknownError("not written");
    bool done = false;  // guarded by group_mu_
  };

  absl::Status ValidateBatch(const WriteBatch& batch) const;
  // Commits `group` in one transaction, or each batch alone when one of
  // them fails in a way that aborts the transaction; sets every result.
  void CommitGroup(std::span<PendingWrite* const> group);
  // One attempt at committing `group` on `conn`. OK: committed, each
  // write's result set (a refused one FailedPrecondition). Otherwise
  // nothing committed; *failed_batch is the index of the batch whose SQL
  // failed, or -1. Clears *retry_safe once COMMIT has been sent (its
  // outcome is then unknown on a lost connection).
  absl::Status WriteGroupOnce(Connection& conn, std::span<PendingWrite* const> group,
                              bool* retry_safe, int* failed_batch);
  // Checks and writes one batch inside the open group transaction; returns
  // its version. *refused: it failed an expected version (the transaction
  // is intact); any other error leaves the transaction aborted.
  absl::StatusOr<uint64_t> WriteBatchInTransaction(
      Connection& conn, const WriteBatch& batch, uint64_t generation,
      std::vector<std::shared_ptr<const CollectionInfo>>* created, bool* refused);
  absl::Status DefineIndexOnce(Connection& conn, const IndexSpec& spec);
  // The table of `collection` inside a write transaction, created if
  // `create` and absent. Adds created collections to *created (to be
  // remembered after COMMIT). Null when absent and not created.
  absl::StatusOr<std::shared_ptr<const CollectionInfo>> CollectionForWrite(
      Connection& conn, std::string_view collection, uint64_t generation, bool create,
      std::vector<std::shared_ptr<const CollectionInfo>>* created);
  void PruneLoop();
  void NoteVersion(uint64_t version) const;

  const PostgresStoreOptions options_;
  Clock* const clock_;
  const SchemaNames names_;
  // mutable: const reads (Get, Scan) borrow connections and fill the cache.
  mutable ConnectionPool pool_;
  mutable Catalog catalog_;
  std::unique_ptr<ChangeFeed> feed_;
  // The highest committed version this node has seen: what CurrentVersion
  // answers when the database cannot be asked.
  mutable std::atomic<uint64_t> known_version_{0};

  // Group commit (write_group.cc): writes waiting, and whether a thread is
  // committing a group.
  std::mutex group_mu_;
  std::condition_variable group_cv_;
  std::deque<PendingWrite*> group_queue_;
  bool group_leader_ = false;

  std::mutex prune_mu_;
  std::condition_variable prune_cv_;
  bool stopping_ = false;
  std::thread prune_thread_;
};

}  // namespace marquee::postgres::internal

#endif  // MARQUEE_SRC_POSTGRES_POSTGRES_STORE_IMPL_H_
