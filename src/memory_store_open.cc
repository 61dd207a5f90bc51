// Opening a MemoryStore: lock the data dir, load the newest snapshot, replay
// the log after it, then (only once everything read cleanly) truncate a torn
// tail and remove files the snapshot made obsolete.
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "internal/log_format.h"
#include "internal/log_reader.h"
#include "internal/memory_store_impl.h"
#include "internal/snapshot.h"
#include "internal/snapshot_stream.h"
#include "marquee/status.h"

namespace marquee::internal {

namespace {

// A batch is one log frame, whose payload may not exceed 1 GiB; keep well
// below it.
constexpr size_t kMaxBatchBytesLimit = size_t{256} << 20;

// The default codec (MemoryStoreOptions::codec). Frames are encoded under
// the commit lock, and zstd costs a few microseconds per call even on a
// 300-byte commit (level 1: ~3-6 us for 25% fewer bytes; storing it raw:
// ~0.1 us), which added ~40% of CPU per single-record write in
// bench/store_bench. So commits under 1 KiB (one typical record) stay raw;
// larger commits and snapshot chunks are compressed at level 1, the fastest
// level that still compresses well (v1 snapshots used it too). The limit holds
// the encoding of any batch the store accepts: an operation's encoding adds
// at most 31 bytes to its collection, id and body, less than the 32 the
// batch size counts, and a commit's header 13 bytes.
constexpr int kDefaultCompressionLevel = 1;
constexpr size_t kDefaultCompressMinBytes = 1024;
constexpr size_t kDefaultMaxPayloadBytes = kMaxBatchBytesLimit + (size_t{1} << 20);

absl::StatusOr<std::shared_ptr<const Codec>> StoreCodec(const MemoryStoreOptions& options) {
  if (options.codec == nullptr) {
    MARQUEE_ASSIGN_OR_RETURN(std::unique_ptr<Codec> codec,
                             Codec::Create({.compression_level = kDefaultCompressionLevel,
                                            .compress_min_bytes = kDefaultCompressMinBytes,
                                            .max_payload_bytes = kDefaultMaxPayloadBytes}));
    return std::shared_ptr<const Codec>(std::move(codec));
  }
  // A codec that cannot hold a snapshot chunk would fail at the first
  // checkpoint; refuse it here instead.
  if (options.codec->max_payload_bytes() < kSnapshotChunkBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the codec's max_payload_bytes is ", options.codec->max_payload_bytes(),
        ", below the ", kSnapshotChunkBytes, " bytes of a snapshot chunk"));
  }
  return options.codec;
}

}  // namespace

absl::Status MemoryStoreImpl::Open() {
  if (options_.watch_history == 0) return absl::InvalidArgumentError("watch_history must be at least 1");
  if (options_.max_batch_bytes == 0 || options_.max_batch_bytes > kMaxBatchBytesLimit) {
    return absl::InvalidArgumentError(absl::StrCat("max_batch_bytes must be between 1 and ",
                                                   kMaxBatchBytesLimit));
  }
  for (const IndexSpec& spec : options_.indexes) MARQUEE_RETURN_IF_ERROR(state_.DefineIndex(spec));
  if (options_.data_dir.empty()) {
    hub_ = std::make_unique<WatchHub>(options_.watch_history, 0);
    return absl::OkStatus();
  }
  MARQUEE_ASSIGN_OR_RETURN(codec_, StoreCodec(options_));
  MARQUEE_RETURN_IF_ERROR(CreateDirectories(options_.data_dir));
  MARQUEE_ASSIGN_OR_RETURN(dir_lock_, DirLock::Acquire(options_.data_dir));
  MARQUEE_RETURN_IF_ERROR(Recover());
  snapshot_thread_ = std::thread([this] { SnapshotLoop(); });
  if (options_.fsync == FsyncPolicy::kEverySecond) flush_thread_ = std::thread([this] { FlushLoop(); });
  return absl::OkStatus();
}

absl::Status MemoryStoreImpl::ApplyRecovered(Commit commit) {
  PreparedApply prepared;
  for (const Change& change : commit.changes) {
    // Earlier changes of the same commit are not applied yet; look at them
    // first so index keys of a key written twice stay right.
    RecordPtr previous;
    bool seen = false;
    for (auto it = prepared.records.rbegin(); it != prepared.records.rend(); ++it) {
      if (it->first == MemoryState::ShardKey(change.collection, change.id)) {
        previous = it->second;
        seen = true;
        break;
      }
    }
    if (!seen) previous = state_.Find(change.collection, change.id);
    state_.Prepare(change, previous, &prepared);
  }
  state_.Apply(std::move(prepared));
  version_.store(commit.version, std::memory_order_release);
  hub_->Publish(std::make_shared<const Commit>(std::move(commit)));
  return absl::OkStatus();
}

absl::Status MemoryStoreImpl::Recover() {
  const std::string& dir = options_.data_dir;
  MARQUEE_ASSIGN_OR_RETURN(DataDirListing listing, ListDataDir(dir));

  uint64_t snapshot_version = 0;
  if (!listing.snapshots.empty()) {
    const NumberedFile& newest = listing.snapshots.back();
    PreparedApply prepared;
    auto flush = [&] {
      state_.Apply(std::move(prepared));
      prepared = PreparedApply();
    };
    MARQUEE_ASSIGN_OR_RETURN(
        snapshot_version, ReadSnapshot(newest.path, *codec_, [&](Record record) -> absl::Status {
          Change change{.version = record.version,
                        .kind = Change::Kind::kPut,
                        .collection = record.collection,
                        .id = record.id,
                        .record = std::move(record)};
          state_.Prepare(change, nullptr, &prepared);
          if (prepared.records.size() >= 4096) flush();
          return absl::OkStatus();
        }));
    flush();
    recovery_.snapshot_version = snapshot_version;
    recovery_.notes.push_back(absl::StrCat("loaded snapshot ", newest.path, " at version ",
                                           snapshot_version));
  }
  version_.store(snapshot_version, std::memory_order_release);
  hub_ = std::make_unique<WatchHub>(options_.watch_history, snapshot_version);

  // Replay every log in order; only the newest may end in a torn tail.
  LogReadResult last_read;
  for (size_t i = 0; i < listing.logs.size(); ++i) {
    const NumberedFile& file = listing.logs[i];
    const bool newest = i + 1 == listing.logs.size();
    const uint64_t version_before = version_.load(std::memory_order_relaxed);
    MARQUEE_ASSIGN_OR_RETURN(
        LogReadResult read,
        ReadLog(file.path, [&](const LogFrame& frame) -> absl::Status {
          const uint64_t offset = frame.offset;
          // A frame that passed its CRC but does not decode (damage, or a
          // key or dictionary the codec lacks) is an error with its own
          // code, never a torn tail: nothing already stored may be cut.
          auto commit = DecodeLogPayload(frame.format_version, *codec_, frame.payload);
          if (!commit.ok()) {
            return absl::Status(commit.status().code(),
                                absl::StrCat(file.path, " at byte ", offset, ": ",
                                             commit.status().message()));
          }
          const uint64_t current = version_.load(std::memory_order_relaxed);
          if (commit->version <= current) return absl::OkStatus();  // in the snapshot
          if (commit->version != current + 1) {
            return absl::DataLossError(absl::StrCat(
                file.path, " at byte ", offset, ": commit ", commit->version,
                " follows version ", current, "; the commits between are missing"));
          }
          ++recovery_.replayed_batches;
          return ApplyRecovered(*std::move(commit));
        }));
    if (read.first_version != 0 && read.first_version != file.number) {
      return absl::DataLossError(absl::StrCat(file.path, " has a header for version ",
                                              read.first_version, ", not the version its name gives"));
    }
    if (read.first_version > version_before + 1) {
      return absl::DataLossError(absl::StrCat(file.path, " starts at version ", read.first_version,
                                              " but recovery reached only version ",
                                              version_before, "; the commits between are missing"));
    }
    if (read.torn_bytes > 0) {
      if (!newest) {
        return absl::DataLossError(absl::StrCat(file.path, " is damaged at byte ",
                                                read.valid_bytes, " (", read.torn_reason,
                                                ") but is not the newest log"));
      }
      recovery_.truncated_bytes = read.torn_bytes;
      recovery_.notes.push_back(absl::StrCat("truncated a torn tail of ", read.torn_bytes,
                                             " bytes from ", file.path, ": ", read.torn_reason));
    }
    if (newest) last_read = read;
  }

  // Everything read cleanly: now the files may change.
  for (const std::string& temporary : listing.temporaries) {
    MARQUEE_RETURN_IF_ERROR(RemoveFile(temporary));
    recovery_.notes.push_back(absl::StrCat("removed unfinished snapshot ", temporary));
  }
  const uint64_t current = version_.load(std::memory_order_relaxed);
  std::vector<NumberedFile> logs = listing.logs;
  const bool reuse_newest = !logs.empty() && last_read.first_version != 0 &&
                            last_read.first_version <= current + 1;
  if (reuse_newest && last_read.format_version == kLogFormatVersion) {
    MARQUEE_ASSIGN_OR_RETURN(log_, LogWriter::OpenForAppend(logs.back().path, last_read.valid_bytes));
  } else if (reuse_newest && last_read.frames > 0) {
    // An older format's log is never appended to: it keeps its commits (its
    // torn tail cut, as for any log) and a new log continues after it.
    if (last_read.torn_bytes > 0) {
      MARQUEE_RETURN_IF_ERROR(
          LogWriter::OpenForAppend(logs.back().path, last_read.valid_bytes).status());
    }
    NumberedFile fresh{current + 1, LogPath(dir, current + 1)};
    MARQUEE_ASSIGN_OR_RETURN(log_, LogWriter::Create(fresh.path, fresh.number));
    logs.push_back(fresh);
    recovery_.notes.push_back(absl::StrCat("continuing in a new log ", fresh.path, " after ",
                                           logs[logs.size() - 2].path, " of log format ",
                                           last_read.format_version));
  } else {
    if (!logs.empty()) {
      // The newest log was created but never got its header (a crash), or
      // holds nothing this store can continue from (an older format's log
      // without a commit among them).
      MARQUEE_RETURN_IF_ERROR(RemoveFile(logs.back().path));
      logs.pop_back();
    }
    NumberedFile fresh{current + 1, LogPath(dir, current + 1)};
    MARQUEE_ASSIGN_OR_RETURN(log_, LogWriter::Create(fresh.path, fresh.number));
    logs.push_back(fresh);
  }
  log_bytes_since_snapshot_ = log_->size();
  // Logs whose successor starts at or before the snapshot's next version
  // hold nothing the snapshot lacks.
  for (size_t i = 0; i + 1 < logs.size();) {
    if (logs[i + 1].number <= snapshot_version + 1) {
      MARQUEE_RETURN_IF_ERROR(RemoveFile(logs[i].path));
      logs.erase(logs.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
  for (size_t i = 0; i + 1 < listing.snapshots.size(); ++i) {
    MARQUEE_RETURN_IF_ERROR(RemoveFile(listing.snapshots[i].path));
  }
  MARQUEE_RETURN_IF_ERROR(SyncDirectory(dir));
  log_files_ = std::move(logs);
  older_log_bytes_ = 0;
  for (size_t i = 0; i + 1 < log_files_.size(); ++i) {
    std::error_code error;
    const auto size = std::filesystem::file_size(log_files_[i].path, error);
    if (!error) older_log_bytes_ += size;
  }
  return absl::OkStatus();
}

}  // namespace marquee::internal
