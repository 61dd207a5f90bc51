// Files of a MemoryStore data dir: the lock, log and snapshot names, listing
// and directory sync, and the few POSIX helpers the log writer and
// snapshots share.
//
//   LOCK                                 flock(2)ed while a store has the dir open
//   log-<first version, 20 digits>.mlog  commit log files, in version order
//   snapshot-<version, 20 digits>.msnap  snapshots; *.tmp are unfinished ones
//
// Thread-safety: free functions are thread-safe; a DirLock is not shared.
//
//   MARQUEE_RETURN_IF_ERROR(CreateDirectories(dir));
//   MARQUEE_ASSIGN_OR_RETURN(std::unique_ptr<DirLock> lock, DirLock::Acquire(dir));
//   MARQUEE_ASSIGN_OR_RETURN(DataDirListing files, ListDataDir(dir));
#ifndef MARQUEE_SRC_INTERNAL_STORE_FILES_H_
#define MARQUEE_SRC_INTERNAL_STORE_FILES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace marquee::internal {

// Holds an exclusive flock on <dir>/LOCK until destroyed. flock(2) locks
// belong to an open file description, so a second Acquire of the same dir
// fails even within one process. The LOCK file itself is left in place:
// removing it would let two processes lock two different files.
class DirLock {
 public:
  // Errors: FailedPrecondition ("data dir <dir> is in use by another
  // process"), Unavailable (I/O).
  static absl::StatusOr<std::unique_ptr<DirLock>> Acquire(const std::string& dir);
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

struct NumberedFile {
  uint64_t number = 0;  // first version of a log, version of a snapshot
  std::string path;     // dir + "/" + name
};

struct DataDirListing {
  std::vector<NumberedFile> logs;        // ascending by number
  std::vector<NumberedFile> snapshots;   // ascending by number
  std::vector<std::string> temporaries;  // *.tmp paths, left by an interrupted snapshot; sorted
};

std::string LogPath(const std::string& dir, uint64_t first_version);
std::string SnapshotPath(const std::string& dir, uint64_t version);

// Creates `dir` and its parents if absent, syncing each parent it adds an
// entry to so the new directories survive a crash.
// Errors: Unavailable (I/O), InvalidArgument (exists and is not a directory,
// or empty), DataLoss (a parent's sync failed).
[[nodiscard]] absl::Status CreateDirectories(const std::string& dir);
// Lists the store's files; ignores names it does not know (including
// 20-digit numbers above 2^64 - 1).
// Errors: Unavailable (I/O, or dir missing).
[[nodiscard]] absl::StatusOr<DataDirListing> ListDataDir(const std::string& dir);
// fsyncs the directory so creations, renames and removals are durable.
// Errors: DataLoss (fsync failed), Unavailable (the dir cannot be opened).
[[nodiscard]] absl::Status SyncDirectory(const std::string& dir);
// Removes a file; removing one that is already gone is not an error, so
// clean-up can be retried.
// Errors: Unavailable.
[[nodiscard]] absl::Status RemoveFile(const std::string& path);

// ---- POSIX helpers shared by the log writer and snapshots -----------------

// The directory part of `path`: "a/b" -> "a", "/a" -> "/", "a" -> ".".
std::string DirName(std::string_view path);
// A status of `code` reading "<operation> <path>: <strerror(err)>".
absl::Status ErrnoError(absl::StatusCode code, std::string_view operation, std::string_view path,
                        int err);
// An open file descriptor with the file's size at opening.
struct OpenedFile {
  int fd = -1;
  uint64_t size = 0;
};
// open(2)s an existing `path` with `flags` (O_CLOEXEC is added) and fstat(2)s
// it; the caller owns the descriptor. `what` names the file in errors
// ("log", "snapshot").
// Errors: NotFound (no such file), Unavailable naming the path and errno text.
[[nodiscard]] absl::StatusOr<OpenedFile> OpenExistingFile(const std::string& path, int flags,
                                                          std::string_view what);
// write(2)s all of `bytes` to `fd`, retrying after EINTR and short writes.
// Errors: Unavailable naming `path` and the errno text (ENOSPC, EIO, ...);
// part of `bytes` may have been written.
[[nodiscard]] absl::Status WriteAll(int fd, std::string_view bytes, std::string_view path);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_STORE_FILES_H_
