// The data dir's files. Names carry zero-padded numbers so that listing order
// is version order even for a human with ls.
#include "internal/store_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"

namespace marquee::internal {
namespace {

constexpr size_t kNumberDigits = 20;  // 2^64 - 1 has 20 digits

std::string NumberedPath(const std::string& dir, const char* prefix, uint64_t number,
                         const char* suffix) {
  char name[64];
  std::snprintf(name, sizeof(name), "%s%020" PRIu64 "%s", prefix, number, suffix);
  return absl::StrCat(dir, "/", name);
}

// Parses "<prefix><20 digits><suffix>"; false for anything else, including
// a number that overflows u64.
bool ParseNumberedName(std::string_view name, std::string_view prefix, std::string_view suffix,
                       uint64_t* number) {
  if (name.size() != prefix.size() + kNumberDigits + suffix.size() ||
      !absl::StartsWith(Sv(name), Sv(prefix)) || !absl::EndsWith(Sv(name), Sv(suffix))) {
    return false;
  }
  const std::string_view digits = name.substr(prefix.size(), kNumberDigits);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  return absl::SimpleAtoi(Sv(digits), number);
}

std::string StripTrailingSlashes(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return std::string(path);
}

bool IsDirectory(const std::string& path, bool* exists) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    *exists = false;
    return false;
  }
  *exists = true;
  return S_ISDIR(st.st_mode);
}

}  // namespace

std::string DirName(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

absl::Status ErrnoError(absl::StatusCode code, std::string_view operation, std::string_view path,
                        int err) {
  char buffer[256];
  // The GNU strerror_r returns a pointer that may or may not be `buffer`.
  const char* text = ::strerror_r(err, buffer, sizeof(buffer));
  return absl::Status(code, absl::StrCat(Sv(operation), " ", Sv(path), ": ", text));
}

absl::Status WriteAll(int fd, std::string_view bytes, std::string_view path) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(absl::StatusCode::kUnavailable, "cannot write", path, errno);
    }
    // write(2) returns 0 only for a zero-byte request, which the loop
    // condition rules out; treat it as an error rather than spin.
    if (written == 0) {
      return absl::UnavailableError(absl::StrCat("cannot write ", Sv(path), ": no progress"));
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<DirLock>> DirLock::Acquire(const std::string& dir) {
  const std::string path = absl::StrCat(dir, "/LOCK");
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError(absl::StatusCode::kUnavailable, "cannot open", path, errno);
  int result;
  do {
    result = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (result != 0 && errno == EINTR);
  if (result != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(
          absl::StrCat("data dir ", dir, " is in use by another process"));
    }
    return ErrnoError(absl::StatusCode::kUnavailable, "cannot lock", path, err);
  }
  return std::unique_ptr<DirLock>(new DirLock(fd));
}

DirLock::~DirLock() { ::close(fd_); }  // closing the descriptor releases the flock

std::string LogPath(const std::string& dir, uint64_t first_version) {
  return NumberedPath(dir, "log-", first_version, ".mlog");
}

std::string SnapshotPath(const std::string& dir, uint64_t version) {
  return NumberedPath(dir, "snapshot-", version, ".msnap");
}

absl::Status CreateDirectories(const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("data dir path is empty");
  const std::string path = StripTrailingSlashes(dir);
  bool exists;
  if (IsDirectory(path, &exists)) return absl::OkStatus();
  if (exists)
    return absl::InvalidArgumentError(absl::StrCat(path, " exists and is not a directory"));

  const std::string parent = DirName(path);
  if (parent != path) {
    if (absl::Status s = CreateDirectories(parent); !s.ok()) return s;
  }
  if (::mkdir(path.c_str(), 0755) != 0) {
    const int err = errno;
    // Another process may have created it since the stat: that is success.
    if (err == EEXIST && IsDirectory(path, &exists)) return absl::OkStatus();
    if (err == EEXIST || err == ENOTDIR) {
      return absl::InvalidArgumentError(absl::StrCat(path, " exists and is not a directory"));
    }
    return ErrnoError(absl::StatusCode::kUnavailable, "cannot create directory", path, err);
  }
  // The new entry lives in the parent; without this a crash can lose the
  // directory along with every file later synced inside it.
  return SyncDirectory(parent);
}

absl::StatusOr<DataDirListing> ListDataDir(const std::string& dir) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr)
    return ErrnoError(absl::StatusCode::kUnavailable, "cannot list", dir, errno);
  DataDirListing listing;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(handle);
    if (entry == nullptr) break;
    const std::string_view name = entry->d_name;
    uint64_t number;
    if (absl::EndsWith(Sv(name), ".tmp")) {
      listing.temporaries.push_back(absl::StrCat(dir, "/", Sv(name)));
    } else if (ParseNumberedName(name, "log-", ".mlog", &number)) {
      listing.logs.push_back({number, absl::StrCat(dir, "/", Sv(name))});
    } else if (ParseNumberedName(name, "snapshot-", ".msnap", &number)) {
      listing.snapshots.push_back({number, absl::StrCat(dir, "/", Sv(name))});
    }
  }
  const int err = errno;
  ::closedir(handle);
  if (err != 0) return ErrnoError(absl::StatusCode::kUnavailable, "cannot list", dir, err);

  const auto by_number = [](const NumberedFile& a, const NumberedFile& b) {
    return a.number < b.number;
  };
  std::sort(listing.logs.begin(), listing.logs.end(), by_number);
  std::sort(listing.snapshots.begin(), listing.snapshots.end(), by_number);
  std::sort(listing.temporaries.begin(), listing.temporaries.end());
  return listing;
}

absl::Status SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return ErrnoError(absl::StatusCode::kUnavailable, "cannot open directory", dir, errno);
  const int result = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (result != 0)
    return ErrnoError(absl::StatusCode::kDataLoss, "cannot sync directory", dir, err);
  return absl::OkStatus();
}

absl::Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoError(absl::StatusCode::kUnavailable, "cannot remove", path, errno);
  }
  return absl::OkStatus();
}

absl::StatusOr<OpenedFile> OpenExistingFile(const std::string& path, int flags,
                                            std::string_view what) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    const absl::StatusCode code =
        err == ENOENT ? absl::StatusCode::kNotFound : absl::StatusCode::kUnavailable;
    return ErrnoError(code, absl::StrCat("cannot open ", Sv(what)), path, err);
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoError(absl::StatusCode::kUnavailable, absl::StrCat("cannot stat ", Sv(what)), path,
                      err);
  }
  return OpenedFile{fd, static_cast<uint64_t>(st.st_size)};
}

}  // namespace marquee::internal
