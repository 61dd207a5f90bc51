// Appends frames to a log file.
//
// The writer only moves bytes: the store encodes frames (log_format.h) and
// decides when to Sync (its fsync policy). Every failure is sticky.
//
//   MARQUEE_ASSIGN_OR_RETURN(auto log, LogWriter::Create(LogPath(dir, 1), 1));
//   std::string frame;
//   AppendFrame(payload, &frame);
//   MARQUEE_RETURN_IF_ERROR(log->Append(frame));
//   MARQUEE_RETURN_IF_ERROR(log->Sync());  // now the commit survives a crash
#ifndef MARQUEE_SRC_INTERNAL_LOG_WRITER_H_
#define MARQUEE_SRC_INTERNAL_LOG_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace marquee::internal {

// Not thread-safe: the store's commit leader is its only user at a time.
// After any failed write or sync every later call returns the first error:
// a log that may have lost a write is never written again (PostgreSQL's
// fsync lesson).
class LogWriter {
 public:
  // Creates `path` (which must not exist) with a file header of the current
  // format (kLogFormatVersion), syncs it and its directory. On failure the
  // partly created file is removed.
  // Errors: AlreadyExists, Unavailable (I/O).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LogWriter>> Create(const std::string& path,
                                                                         uint64_t first_version);
  // Opens an existing log for appending after truncating it to `valid_bytes`.
  // The caller appends only frames of the file's format: the store opens
  // only kLogFormatVersion files this way, and uses it on an older format's
  // file just to truncate its torn tail.
  // Truncating to `valid_bytes` drops a torn tail; then the file is synced,
  // also when nothing was truncated: frames a crashed process wrote may
  // still be only in the page cache, and new commits must not become
  // durable on top of ones that are not.
  // A log ReadLog found shorter than its header (valid_bytes 0) cannot be
  // appended to: remove it and Create a new one.
  // Errors: InvalidArgument (valid_bytes < kLogFileHeaderBytes, or past the
  // end of the file), NotFound, Unavailable (I/O).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<LogWriter>> OpenForAppend(
      const std::string& path, uint64_t valid_bytes);
  ~LogWriter();  // closes without syncing
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // write(2)s all of `bytes` at the end of the file.
  // Errors: Unavailable (the write failed; the log is now closed for writes).
  [[nodiscard]] absl::Status Append(std::string_view bytes);
  // fdatasync(2)s the file.
  // Errors: DataLoss (the sync failed; acknowledged writes may be lost), or
  // the earlier Append failure.
  [[nodiscard]] absl::Status Sync();

  // Bytes in the file: header and frames appended successfully.
  uint64_t size() const { return size_; }
  // The file descriptor, for an fdatasync(2) from another thread while the
  // writer appends (the store's once-a-second flusher). Valid while this
  // LogWriter lives.
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  LogWriter(std::string path, int fd, uint64_t size);
  std::string path_;
  int fd_;
  uint64_t size_;
  absl::Status failed_;
};

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_LOG_WRITER_H_
