// The log's appender. Writes go through O_APPEND so that after
// OpenForAppend's truncation nothing can land anywhere but the end.
#include "internal/log_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "absl/strings/str_cat.h"
#include "internal/log_format.h"
#include "internal/store_files.h"

namespace marquee::internal {
namespace {

int FdatasyncRetryingEintr(int fd) {
  int result;
  do {
    result = ::fdatasync(fd);
  } while (result != 0 && errno == EINTR);
  return result;
}

// Removes what a failed Create left behind; the caller reports the first
// error, so this one's result does not matter.
void Abandon(int fd, const std::string& path) {
  ::close(fd);
  ::unlink(path.c_str());
}

}  // namespace

LogWriter::LogWriter(std::string path, int fd, uint64_t size)
    : path_(std::move(path)), fd_(fd), size_(size) {}

LogWriter::~LogWriter() { ::close(fd_); }

absl::StatusOr<std::unique_ptr<LogWriter>> LogWriter::Create(const std::string& path,
                                                             uint64_t first_version) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST)
      return absl::AlreadyExistsError(absl::StrCat("log ", path, " already exists"));
    return ErrnoError(absl::StatusCode::kUnavailable, "cannot create log", path, errno);
  }
  std::string header;
  AppendLogFileHeader(first_version, &header);
  if (absl::Status s = WriteAll(fd, header, path); !s.ok()) {
    Abandon(fd, path);
    return s;
  }
  if (FdatasyncRetryingEintr(fd) != 0) {
    const int err = errno;
    Abandon(fd, path);
    return ErrnoError(absl::StatusCode::kUnavailable, "cannot sync new log", path, err);
  }
  // Nothing was acknowledged yet, so a failed directory sync is an I/O
  // error, not lost data.
  if (absl::Status s = SyncDirectory(DirName(path)); !s.ok()) {
    Abandon(fd, path);
    return absl::UnavailableError(s.message());
  }
  return std::unique_ptr<LogWriter>(new LogWriter(path, fd, header.size()));
}

absl::StatusOr<std::unique_ptr<LogWriter>> LogWriter::OpenForAppend(const std::string& path,
                                                                    uint64_t valid_bytes) {
  if (valid_bytes < kLogFileHeaderBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("log ", path, " has no complete header (", valid_bytes,
                     " valid bytes); remove it and create a new one"));
  }
  absl::StatusOr<OpenedFile> file = OpenExistingFile(path, O_WRONLY | O_APPEND, "log");
  if (!file.ok()) return file.status();
  const int fd = file->fd;
  const uint64_t file_size = file->size;
  if (file_size < valid_bytes) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(
        "log ", path, " has ", file_size, " bytes, fewer than the ", valid_bytes, " found valid"));
  }
  if (file_size > valid_bytes) {
    int result;
    do {
      result = ::ftruncate(fd, static_cast<off_t>(valid_bytes));
    } while (result != 0 && errno == EINTR);
    if (result != 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoError(absl::StatusCode::kUnavailable, "cannot truncate log", path, err);
    }
  }
  if (FdatasyncRetryingEintr(fd) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoError(absl::StatusCode::kUnavailable, "cannot sync log", path, err);
  }
  return std::unique_ptr<LogWriter>(new LogWriter(path, fd, valid_bytes));
}

absl::Status LogWriter::Append(std::string_view bytes) {
  if (!failed_.ok()) return failed_;
  if (absl::Status s = WriteAll(fd_, bytes, path_); !s.ok()) {
    // Part of `bytes` may be in the file: a torn frame that recovery drops.
    failed_ = absl::UnavailableError(absl::StrCat(s.message(), "; the log accepts no more writes"));
    return failed_;
  }
  size_ += bytes.size();
  return absl::OkStatus();
}

absl::Status LogWriter::Sync() {
  if (!failed_.ok()) return failed_;
  if (FdatasyncRetryingEintr(fd_) != 0) {
    // After a failed fsync the kernel may have dropped the dirty pages and
    // cleared the error: a retry could "succeed" without the data on disk.
    const absl::Status error =
        ErrnoError(absl::StatusCode::kDataLoss, "cannot sync log", path_, errno);
    failed_ =
        absl::DataLossError(absl::StrCat(error.message(), "; acknowledged writes may be lost"));
    return failed_;
  }
  return absl::OkStatus();
}

}  // namespace marquee::internal
