// marquee/memory_store.h — the embedded default Store.
//
// MemoryStore serves every read from memory: records in sharded hash maps,
// secondary indexes in ordered maps, no global lock on the read path. With a
// data_dir it is durable: each committed batch is appended to a log as one
// checksummed frame; concurrent writers share one fsync (group commit); the
// fsync policy says when a write is acknowledged, as Redis' appendfsync does.
// Snapshots, written in the background, bound recovery time; the log is
// truncated behind them. Log frames and snapshot chunks are the codec's
// envelopes (marquee/codec.h): zstd-compressed, with the codec's trained
// dictionary for a collection, and encrypted at rest (AES-256-GCM) when the
// codec has an active key. Recovery loads the newest snapshot and replays
// the log; a torn tail left by a crash is truncated and reported,
// corruption elsewhere is an error naming the file and offset, and a file
// the codec cannot open (a missing or wrong key or dictionary) is an error
// that leaves every file as it was. Files written before the envelope (log
// and snapshot format v1) are still read. After a failed write or fsync the
// store refuses writes (reads keep working). A lock file keeps a second
// process out of the data dir.
// Thread-safety: every method may be called concurrently.
//
//   std::shared_ptr<const marquee::Codec> codec = *marquee::Codec::Create(
//       {.keys = {{.id = 1, .key = key32}}, .active_key_id = 1});  // encrypted at rest
//   absl::StatusOr<std::unique_ptr<marquee::MemoryStore>> store =
//       marquee::OpenMemoryStore({.data_dir = "/var/lib/marquee",
//                                 .fsync = marquee::FsyncPolicy::kAlways,
//                                 .codec = codec});
//   if (!store.ok()) return store.status();
//   for (const auto& note : (*store)->recovery().notes) LOG(INFO) << note;
#ifndef MARQUEE_MEMORY_STORE_H_
#define MARQUEE_MEMORY_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/clock.h"
#include "marquee/codec.h"
#include "marquee/export.h"
#include "marquee/index.h"
#include "marquee/store.h"

namespace marquee {

// When an acknowledged write is on disk (Redis' appendfsync).
enum class FsyncPolicy : uint8_t {
  kAlways,       // fsync before acknowledging; concurrent writers share one fsync
  kEverySecond,  // write(2) before acknowledging, fsync once a second
  kNever,        // write(2) before acknowledging, fsync left to the OS
};

struct MemoryStoreOptions {
  // Directory for the lock file, the log and snapshots; created if absent.
  // Empty: memory only, nothing durable. Default: "".
  std::string data_dir{};
  // When an acknowledged write is on disk. Default: kEverySecond.
  FsyncPolicy fsync = FsyncPolicy::kEverySecond;
  // Write a snapshot once the log has grown by this many bytes since the
  // last one; 0 never snapshots automatically. Default: 64 MiB.
  uint64_t snapshot_after_log_bytes = uint64_t{64} << 20;
  // Indexes to declare before recovery, so recovery builds them once.
  // Default: none.
  std::vector<IndexSpec> indexes{};
  // Committed batches kept in memory for late watchers. Default: 100,000.
  size_t watch_history = 100'000;
  // Largest accepted batch, counting ids and bodies; at most 256 MiB.
  // Default: 64 MiB.
  size_t max_batch_bytes = size_t{64} << 20;
  // Source of record timestamps. Not owned; must outlive the store.
  // Default: Clock::Real().
  Clock* clock = nullptr;
  // The codec log frames and snapshot chunks are written and read with: its
  // compression level, its dictionaries (a commit whose changes are all in
  // one collection uses that collection's; snapshots use none), and its keys
  // (with an active key everything written is encrypted; files sealed with
  // an older key read as long as the codec still holds it). Reading needs
  // every key and dictionary the files name: opening without one is
  // FailedPrecondition, with another key under the same id PermissionDenied,
  // and no file is changed. Its max_payload_bytes must be at least 256 KiB
  // (a snapshot chunk; else Open is InvalidArgument); a batch whose encoding
  // (about max_batch_bytes plus 32 bytes per operation at most) exceeds it
  // fails alone with OutOfRange, nothing written, and a frame larger than it
  // does not read back (FailedPrecondition). Shared: the caller may keep
  // adding dictionaries while the store runs. Ignored without a data_dir. Default: nullptr, a codec the store creates with zstd level 1,
  // payloads under 1 KiB raw (compressing a one-record commit costs more
  // CPU under the commit lock than it saves in bytes), max_payload_bytes
  // 257 MiB, no dictionary and no key (nothing encrypted).
  std::shared_ptr<const Codec> codec{};
};

// What recovery found when the store opened.
struct RecoveryReport {
  uint64_t snapshot_version = 0;   // 0: no snapshot loaded
  uint64_t replayed_batches = 0;   // log frames applied on top of it
  uint64_t truncated_bytes = 0;    // torn tail removed from the log
  std::vector<std::string> notes{};  // human-readable, e.g. the torn tail's file and offset
};

struct MemoryStoreStats {
  uint64_t records = 0;
  uint64_t version = 0;
  uint64_t log_bytes = 0;        // bytes in the current log files
  uint64_t fsyncs = 0;           // fsync calls on the log
  uint64_t group_commits = 0;    // log appends, each carrying one or more batches
  uint64_t snapshots_written = 0;
};

class MARQUEE_EXPORT MemoryStore : public Store {
 public:
  // Writes a snapshot now and truncates the log behind it; returns when the
  // snapshot is durable. A no-op without a data_dir.
  // Errors: Unavailable / DataLoss (I/O failure), FailedPrecondition (the
  // store refuses writes after an earlier failure).
  [[nodiscard]] virtual absl::Status Checkpoint() = 0;

  // Forces everything acknowledged so far to disk (fsync), whatever the policy.
  // Errors: as Checkpoint.
  [[nodiscard]] virtual absl::Status Sync() = 0;

  virtual const RecoveryReport& recovery() const = 0;
  virtual MemoryStoreStats stats() const = 0;
};

// Opens (and recovers) a store. The store syncs the log and releases the lock
// file when destroyed.
// Errors: InvalidArgument (bad options or index specs, a codec whose
// max_payload_bytes is below 256 KiB), FailedPrecondition (the data dir is
// locked by another process; or a log frame or snapshot chunk needs a key or
// dictionary the codec does not hold, naming the file and byte offset),
// PermissionDenied (a log frame or snapshot chunk does not authenticate
// under the codec's key of its id: a wrong key; names the file and offset),
// DataLoss (corrupt snapshot, or a corrupt log frame that is not the tail;
// the message names the file and byte offset), Unavailable (I/O error).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<std::unique_ptr<MemoryStore>> OpenMemoryStore(
    const MemoryStoreOptions& options = {});

}  // namespace marquee

#endif  // MARQUEE_MEMORY_STORE_H_
