// Snapshots of a MemoryStore. Under the commit lock (so the state is exactly
// version V): sync and close the current log, start log-(V+1), collect
// pointers to every record. Then, without the lock, write snapshot-V and
// remove the logs and snapshots it makes obsolete. Writers wait only for the
// first part.
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "internal/memory_store_impl.h"
#include "internal/snapshot.h"
#include "marquee/status.h"

namespace marquee::internal {

absl::Status MemoryStoreImpl::Checkpoint() {
  if (options_.data_dir.empty()) return absl::OkStatus();
  return DoCheckpoint();
}

absl::Status MemoryStoreImpl::DoCheckpoint() {
  std::lock_guard one_at_a_time(checkpoint_mu_);
  uint64_t version = 0;
  std::vector<RecordPtr> records;
  {
    std::lock_guard lock(commit_mu_);
    if (!write_failure_.ok()) return RefuseWritesStatus();
    version = version_.load(std::memory_order_relaxed);
    if (log_files_.back().number != version + 1) {
      // The old log must be complete on disk before a newer one exists, so
      // recovery can trust that only the newest log has a torn tail.
      MARQUEE_RETURN_IF_ERROR(SyncLogLocked());
      NumberedFile next{version + 1, LogPath(options_.data_dir, version + 1)};
      auto writer = LogWriter::Create(next.path, next.number);
      if (!writer.ok()) return writer.status();  // the old log stays in use
      older_log_bytes_ += log_->size();
      log_ = *std::move(writer);
      log_files_.push_back(next);
    }
    log_bytes_since_snapshot_ = log_->size();
    records = state_.AllRecords();
  }

  MARQUEE_RETURN_IF_ERROR(
      WriteSnapshot(SnapshotPath(options_.data_dir, version), version, records, *codec_));
  records.clear();
  snapshots_written_.fetch_add(1, std::memory_order_relaxed);

  // The snapshot is durable: older logs and snapshots are obsolete.
  std::vector<std::string> obsolete;
  {
    std::lock_guard lock(commit_mu_);
    while (log_files_.size() > 1 && log_files_[1].number <= version + 1) {
      obsolete.push_back(log_files_.front().path);
      log_files_.erase(log_files_.begin());
    }
    older_log_bytes_ = 0;
    for (size_t i = 0; i + 1 < log_files_.size(); ++i) {
      std::error_code error;
      const auto size = std::filesystem::file_size(log_files_[i].path, error);
      if (!error) older_log_bytes_ += size;
    }
  }
  MARQUEE_ASSIGN_OR_RETURN(DataDirListing listing, ListDataDir(options_.data_dir));
  for (const NumberedFile& snapshot : listing.snapshots) {
    if (snapshot.number < version) obsolete.push_back(snapshot.path);
  }
  for (const std::string& path : obsolete) MARQUEE_RETURN_IF_ERROR(RemoveFile(path));
  return SyncDirectory(options_.data_dir);
}

void MemoryStoreImpl::SnapshotLoop() {
  std::unique_lock lock(background_mu_);
  while (true) {
    background_cv_.wait(lock, [&] { return stopping_ || snapshot_requested_; });
    if (stopping_) return;
    // Taken before the checkpoint runs, so a commit that crosses the
    // threshold meanwhile asks again instead of being lost (the log would
    // then grow unbounded until some later commit).
    snapshot_requested_ = false;
    lock.unlock();
    // A failed automatic snapshot leaves the log in place, so nothing is
    // lost; the next request tries again.
    (void)DoCheckpoint();
    lock.lock();
  }
}

}  // namespace marquee::internal
