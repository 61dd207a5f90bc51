// Files of a MemoryStore data dir: the lock, log and snapshot names, listing
// and directory sync.
//
//   LOCK                                 flock(2)ed while a store has the dir open
//   log-<first version, 20 digits>.mlog  commit log files, in version order
//   snapshot-<version, 20 digits>.msnap  snapshots; *.tmp are unfinished ones
#ifndef MARQUEE_SRC_INTERNAL_STORE_FILES_H_
#define MARQUEE_SRC_INTERNAL_STORE_FILES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace marquee::internal {

// Holds an exclusive flock on <dir>/LOCK until destroyed.
class DirLock {
 public:
  // Errors: FailedPrecondition ("data dir <dir> is in use by another
  // process"), Unavailable (I/O).
  static absl::StatusOr<std::unique_ptr<DirLock>> Acquire(const std::string& dir);
  ~DirLock();

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

struct NumberedFile {
  uint64_t number = 0;  // first version of a log, version of a snapshot
  std::string path;     // dir + "/" + name
};

struct DataDirListing {
  std::vector<NumberedFile> logs;       // ascending by number
  std::vector<NumberedFile> snapshots;  // ascending by number
  std::vector<std::string> temporaries; // *.tmp paths, left by an interrupted snapshot
};

std::string LogPath(const std::string& dir, uint64_t first_version);
std::string SnapshotPath(const std::string& dir, uint64_t version);

// Creates `dir` and its parents if absent.
// Errors: Unavailable (I/O), InvalidArgument (exists and is not a directory).
absl::Status CreateDirectories(const std::string& dir);
// Lists the store's files; ignores names it does not know.
// Errors: Unavailable (I/O).
absl::StatusOr<DataDirListing> ListDataDir(const std::string& dir);
// fsyncs the directory so creations, renames and removals are durable.
// Errors: DataLoss.
absl::Status SyncDirectory(const std::string& dir);
// Errors: Unavailable.
absl::Status RemoveFile(const std::string& path);

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_STORE_FILES_H_
