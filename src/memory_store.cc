#include "internal/memory_store_impl.h"
#include "internal/write_batch_rules.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "internal/log_format.h"
#include "internal/snapshot.h"
#include "marquee/status.h"

namespace marquee {

absl::StatusOr<std::unique_ptr<MemoryStore>> OpenMemoryStore(const MemoryStoreOptions& options) {
  auto store = std::make_unique<internal::MemoryStoreImpl>(options);
  MARQUEE_RETURN_IF_ERROR(store->Open());
  return std::unique_ptr<MemoryStore>(std::move(store));
}

}  // namespace marquee

namespace marquee::internal {
namespace {

// Most writes one leader commits together; bounds the latency a follower
// can add to the leader's own write.
constexpr size_t kMaxGroupWrites = 1024;
constexpr size_t kMaxGroupBytes = size_t{8} << 20;

}  // namespace

MemoryStoreImpl::MemoryStoreImpl(const MemoryStoreOptions& options)
    : options_(options), clock_(options.clock != nullptr ? options.clock : Clock::Real()) {}

MemoryStoreImpl::~MemoryStoreImpl() {
  {
    std::lock_guard lock(background_mu_);
    stopping_ = true;
  }
  background_cv_.notify_all();
  if (snapshot_thread_.joinable()) snapshot_thread_.join();
  if (flush_thread_.joinable()) flush_thread_.join();
  {
    std::lock_guard lock(commit_mu_);
    // Under kEverySecond and kNever, a clean close still syncs what was
    // acknowledged; a failed log is left alone.
    if (log_ && dirty_ && write_failure_.ok()) (void)log_->Sync();
  }
  if (hub_) hub_->Shutdown();
}

absl::Status MemoryStoreImpl::DefineIndex(const IndexSpec& spec) {
  std::lock_guard lock(commit_mu_);
  return state_.DefineIndex(spec);
}

std::vector<IndexSpec> MemoryStoreImpl::Indexes(std::string_view collection) const {
  return state_.Indexes(collection);
}

absl::StatusOr<Record> MemoryStoreImpl::Get(std::string_view collection,
                                            std::string_view id) const {
  MARQUEE_RETURN_IF_ERROR(ValidateCollectionName(collection));
  MARQUEE_RETURN_IF_ERROR(ValidateRecordId(id));
  RecordPtr record = state_.Find(collection, id);
  if (record == nullptr) return absl::NotFoundError(absl::StrCat(KeyName(collection, id), " not found"));
  return *record;
}

absl::StatusOr<ScanResult> MemoryStoreImpl::Scan(const ScanRequest& request) const {
  return state_.Scan(request);
}

absl::StatusOr<std::unique_ptr<Subscription>> MemoryStoreImpl::Watch(uint64_t after_version,
                                                                     WatchHandler handler) {
  if (!handler) return absl::InvalidArgumentError("Watch needs a handler");
  return hub_->Subscribe(after_version, std::move(handler));
}

absl::Status MemoryStoreImpl::ValidateBatch(const WriteBatch& batch) const {
  return ValidateWriteBatch(batch, options_.max_batch_bytes);
}

absl::StatusOr<uint64_t> MemoryStoreImpl::Write(const WriteBatch& batch,
                                                const WriteOptions& options) {
  MARQUEE_RETURN_IF_ERROR(ValidateBatch(batch));
  PendingWrite self{.batch = &batch, .sync = options.sync};
  std::unique_lock lock(queue_mu_);
  queue_.push_back(&self);
  self.cv.wait(lock, [&] { return self.done || queue_.front() == &self; });
  if (self.done) return std::move(self.result);

  // This writer leads: it commits itself and the writers queued behind it,
  // while new writers queue up for the next group.
  std::vector<PendingWrite*> group;
  size_t bytes = 0;
  for (PendingWrite* w : queue_) {
    size_t w_bytes = BatchBytes(*w->batch);
    if (!group.empty() && (group.size() >= kMaxGroupWrites || bytes + w_bytes > kMaxGroupBytes)) break;
    group.push_back(w);
    bytes += w_bytes;
  }
  lock.unlock();
  CommitGroup(group);
  lock.lock();
  for (PendingWrite* w : group) {
    queue_.pop_front();
    w->done = true;
    if (w != &self) w->cv.notify_one();
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  return std::move(self.result);
}

absl::Status MemoryStoreImpl::RefuseWritesStatus() const {
  return absl::Status(write_failure_.code(),
                      absl::StrCat("the store refuses writes after an I/O failure: ",
                                   write_failure_.message()));
}

void MemoryStoreImpl::CommitGroup(const std::vector<PendingWrite*>& group) {
  std::lock_guard commit_lock(commit_mu_);
  if (!write_failure_.ok()) {
    for (PendingWrite* w : group) w->result = RefuseWritesStatus();
    return;
  }
  // Whole microseconds: what the log stores, so a recovered record equals
  // the one served before the restart.
  const absl::Time now = absl::FromUnixMicros(absl::ToUnixMicros(clock_->Now()));
  // What earlier batches of this group did to each key (null: erased), so
  // later batches check expectations against them.
  absl::flat_hash_map<std::string, RecordPtr> group_overlay;
  auto current = [&](const std::string& shard_key, std::string_view collection,
                     std::string_view id) -> RecordPtr {
    if (auto it = group_overlay.find(shard_key); it != group_overlay.end()) return it->second;
    return state_.Find(collection, id);
  };

  PreparedApply prepared;
  std::vector<std::shared_ptr<const Commit>> commits;
  std::vector<std::string> payloads;  // one log frame payload per commit
  std::string commit_bytes;           // scratch for EncodeLogPayload
  std::vector<PendingWrite*> committed;
  bool sync = options_.fsync == FsyncPolicy::kAlways;
  uint64_t next_version = version_.load(std::memory_order_relaxed) + 1;
  for (PendingWrite* w : group) {
    // Expected versions are checked against the state before the batch.
    absl::Status check;
    for (const auto& op : w->batch->ops()) {
      if (!op.expected_version) continue;
      RecordPtr now_there = current(MemoryState::ShardKey(op.collection, op.id), op.collection, op.id);
      uint64_t actual = now_there ? now_there->version : 0;
      if (actual != *op.expected_version) {
        check = absl::FailedPreconditionError(absl::StrCat(
            KeyName(op.collection, op.id), " is at version ", actual, ", expected ",
            *op.expected_version, *op.expected_version == 0 ? " (must not exist)" : ""));
        break;
      }
    }
    if (!check.ok()) {
      w->result = std::move(check);
      continue;
    }
    // What to undo if the commit cannot be encoded: how far `prepared` had
    // grown, and the overlay entries it replaced (which only later writes of
    // the group read, so the last one keeps none).
    const bool keep_replaced = log_ && w != group.back();
    const size_t records_before = prepared.records.size();
    const size_t index_updates_before = prepared.index_updates.size();
    std::vector<std::pair<std::string, std::optional<RecordPtr>>> replaced;
    auto commit = std::make_shared<Commit>();
    commit->version = next_version;
    for (const auto& op : w->batch->ops()) {
      std::string shard_key = MemoryState::ShardKey(op.collection, op.id);
      RecordPtr previous = current(shard_key, op.collection, op.id);
      Change change{.version = next_version,
                    .kind = op.kind == WriteBatch::OpKind::kPut ? Change::Kind::kPut
                                                                : Change::Kind::kErase,
                    .collection = op.collection,
                    .id = op.id,
                    .record = Record{.collection = op.collection,
                                     .id = op.id,
                                     .version = next_version}};
      if (change.kind == Change::Kind::kPut) {
        change.record.schema = op.schema;
        change.record.created = previous ? previous->created : now;
        change.record.updated = now;
        change.record.body = op.body;
      }
      state_.Prepare(change, previous, &prepared);
      if (keep_replaced) {
        auto it = group_overlay.find(shard_key);
        replaced.emplace_back(shard_key, it == group_overlay.end()
                                             ? std::nullopt
                                             : std::optional<RecordPtr>(it->second));
      }
      group_overlay.insert_or_assign(std::move(shard_key), prepared.records.back().second);
      commit->changes.push_back(std::move(change));
    }
    if (log_) {
      absl::StatusOr<std::string> payload = EncodeLogPayload(*codec_, *commit, &commit_bytes);
      if (!payload.ok()) {
        // Nothing was written: this batch fails alone, the store goes on.
        prepared.records.erase(
            prepared.records.begin() + static_cast<std::ptrdiff_t>(records_before),
            prepared.records.end());
        prepared.index_updates.erase(
            prepared.index_updates.begin() + static_cast<std::ptrdiff_t>(index_updates_before),
            prepared.index_updates.end());
        for (auto it = replaced.rbegin(); it != replaced.rend(); ++it) {
          if (it->second.has_value()) {
            group_overlay.insert_or_assign(it->first, *it->second);
          } else {
            group_overlay.erase(it->first);
          }
        }
        w->result = absl::Status(payload.status().code(),
                                 absl::StrCat("cannot encode the batch for the log: ",
                                              payload.status().message()));
        continue;
      }
      payloads.push_back(*std::move(payload));
    }
    commits.push_back(std::move(commit));
    committed.push_back(w);
    w->result = next_version++;
    sync = sync || w->sync;
  }
  if (commits.empty()) return;

  if (log_) {
    std::string frames;
    for (const std::string& payload : payloads) AppendFrame(payload, &frames);
    absl::Status io = log_->Append(frames);
    if (io.ok() && sync) {
      io = log_->Sync();
      fsyncs_.fetch_add(1, std::memory_order_relaxed);
    }
    if (!io.ok()) {
      // Nothing of this group is acknowledged or applied, and no later write
      // is accepted: the log's state on disk is unknown.
      write_failure_ = io;
      for (PendingWrite* w : committed) w->result = RefuseWritesStatus();
      return;
    }
    dirty_ = !sync;
    log_bytes_since_snapshot_ += frames.size();
  }
  state_.Apply(std::move(prepared));
  // Publish before advancing CurrentVersion(), so Watch(CurrentVersion())
  // never finds the feed behind the version it was told.
  for (auto& commit : commits) hub_->Publish(std::move(commit));
  version_.store(next_version - 1, std::memory_order_release);
  group_commits_.fetch_add(1, std::memory_order_relaxed);

  if (log_ && options_.snapshot_after_log_bytes > 0 &&
      log_bytes_since_snapshot_ >= options_.snapshot_after_log_bytes) {
    std::lock_guard lock(background_mu_);
    if (!snapshot_requested_) {
      snapshot_requested_ = true;
      background_cv_.notify_all();
    }
  }
}

absl::Status MemoryStoreImpl::SyncLogLocked() {
  absl::Status io = log_->Sync();
  fsyncs_.fetch_add(1, std::memory_order_relaxed);
  if (!io.ok()) {
    write_failure_ = io;
    return io;
  }
  dirty_ = false;
  return absl::OkStatus();
}

absl::Status MemoryStoreImpl::Sync() {
  std::lock_guard lock(commit_mu_);
  if (!write_failure_.ok()) return RefuseWritesStatus();
  if (!log_) return absl::OkStatus();
  return SyncLogLocked();
}

void MemoryStoreImpl::FlushLoop() {
  std::unique_lock lock(background_mu_);
  while (!background_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; })) {
    lock.unlock();
    // fsync without holding commit_mu_, so writers are not stalled for the
    // length of a disk flush once a second; writes appended meanwhile are
    // covered by the next round (dirty_ is set again by their commit).
    std::shared_ptr<LogWriter> log;
    {
      std::lock_guard commit_lock(commit_mu_);
      if (log_ && dirty_ && write_failure_.ok()) {
        log = log_;
        dirty_ = false;
      }
    }
    if (log) {
      fsyncs_.fetch_add(1, std::memory_order_relaxed);
      if (::fdatasync(log->fd()) != 0) {
        const int err = errno;
        std::lock_guard commit_lock(commit_mu_);
        write_failure_ = absl::DataLossError(absl::StrCat(
            "fdatasync of ", log->path(), " failed: ", std::strerror(err),
            "; acknowledged writes may be lost"));
      }
    }
    lock.lock();
  }
}

MemoryStoreStats MemoryStoreImpl::stats() const {
  MemoryStoreStats s;
  s.records = state_.record_count();
  s.version = CurrentVersion();
  {
    std::lock_guard lock(commit_mu_);
    s.log_bytes = older_log_bytes_ + (log_ ? log_->size() : 0);
  }
  s.fsyncs = fsyncs_.load();
  s.group_commits = group_commits_.load();
  s.snapshots_written = snapshots_written_.load();
  return s;
}

}  // namespace marquee::internal
