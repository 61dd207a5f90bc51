// Recovery from damaged data dirs: a store is written and closed, its files
// are damaged precisely (using the documented log format of
// src/internal/log_format.h and the file names of src/internal/store_files.h)
// and the store is reopened. A torn tail is cut and reported; damage in the
// middle of the log or in a snapshot is DataLoss naming the file (and, for the
// log, the offset) and leaves the files exactly as they were.
// CRC-32C is computed here independently of the library.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "internal/log_format.h"
#include "marquee/codec.h"
#include "marquee/memory_store.h"
#include "support/store_contract.h"
#include "support/file_bytes.h"
#include "support/temp_dir.h"

namespace marquee::test {
namespace {

using internal::kFrameHeaderBytes;
using internal::kLogFileHeaderBytes;
constexpr uint32_t kFrameMagic = 0x4D514652;  // "MQFR"

uint32_t Crc32c(const std::string& bytes, size_t offset, size_t size) {
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = offset; i < offset + size; ++i) {
    crc ^= static_cast<uint8_t>(bytes[i]);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

uint32_t LoadU32(const std::string& bytes, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(bytes[at + i]);
  return v;
}
uint64_t LoadU64(const std::string& bytes, size_t at) {
  return LoadU32(bytes, at) | (uint64_t{LoadU32(bytes, at + 4)} << 32);
}
void StoreU32(std::string& bytes, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}


// The files of a data dir except LOCK, by name.
std::map<std::string, std::string> DirContents(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name != "LOCK") files[name] = test::ReadFileBytes(entry.path().string());
  }
  return files;
}

std::vector<std::string> NamesLike(const std::string& dir, const std::string& prefix,
                                   const std::string& suffix) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

struct Frame {
  size_t offset = 0;  // of the frame header
  uint32_t length = 0;
};

// Parses a log file as documented; fails the test on anything unexpected.
std::vector<Frame> ParseLog(const std::string& bytes) {
  REQUIRE(bytes.size() >= kLogFileHeaderBytes);
  REQUIRE(bytes.compare(0, 8, std::string("MQLOG\0\0\2", 8)) == 0);
  std::vector<Frame> frames;
  size_t at = kLogFileHeaderBytes;
  while (at < bytes.size()) {
    REQUIRE(at + kFrameHeaderBytes <= bytes.size());
    REQUIRE(LoadU32(bytes, at) == kFrameMagic);
    uint32_t length = LoadU32(bytes, at + 4);
    REQUIRE(LoadU32(bytes, at + 12) == Crc32c(bytes, at, 12));
    REQUIRE(at + kFrameHeaderBytes + length <= bytes.size());
    REQUIRE(LoadU32(bytes, at + 8) == Crc32c(bytes, at + kFrameHeaderBytes, length));
    frames.push_back({at, length});
    at += kFrameHeaderBytes + length;
  }
  return frames;
}

MemoryStoreOptions Options(const std::string& dir) {
  return MemoryStoreOptions{.data_dir = dir, .fsync = FsyncPolicy::kAlways,
                            .snapshot_after_log_bytes = 0};
}

// Writes `count` single-put batches r/k<i> = {"i":i} and closes the store.
// Returns their versions.
std::vector<uint64_t> WriteAndClose(const std::string& dir, int count, bool checkpoint_first = false,
                                    int after_checkpoint = 0) {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore(Options(dir));
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  std::vector<uint64_t> versions;
  for (int i = 0; i < count; ++i) {
    versions.push_back(MustPut(**store, "r", absl::StrCat("k", i), absl::StrCat("{\"i\":", i, "}")));
  }
  if (checkpoint_first) {
    REQUIRE((*store)->Checkpoint().ok());
    for (int i = count; i < count + after_checkpoint; ++i) {
      versions.push_back(
          MustPut(**store, "r", absl::StrCat("k", i), absl::StrCat("{\"i\":", i, "}")));
    }
  }
  return versions;
}

// The one log file of `dir`.
std::string OnlyLog(const std::string& dir) {
  std::vector<std::string> logs = NamesLike(dir, "log-", ".mlog");
  REQUIRE(logs.size() == 1);
  return logs[0];
}

// Reopens `dir`, expecting DataLoss that names `file` (and one of `offsets`,
// when given), with every file left untouched; a second attempt fails the
// same way (the failed open released the lock).
void ExpectDataLoss(const std::string& dir, const std::string& file,
                    const std::vector<uint64_t>& offsets) {
  std::map<std::string, std::string> before = DirContents(dir);
  for (int attempt = 0; attempt < 2; ++attempt) {
    absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore(Options(dir));
    REQUIRE_FALSE_MESSAGE(store.ok(), "opened a damaged store");
    std::string message = store.status().ToString();
    CHECK_MESSAGE(absl::IsDataLoss(store.status()), message);
    CHECK_MESSAGE(message.find(file) != std::string::npos, message, " does not name ", file);
    if (!offsets.empty()) {
      bool named = false;
      for (uint64_t offset : offsets) named |= message.find(std::to_string(offset)) != std::string::npos;
      CHECK_MESSAGE(named, message, " names none of the offsets ", absl::StrJoin(offsets, ", "));
    }
  }
  std::map<std::string, std::string> after = DirContents(dir);
  CHECK_MESSAGE(after == before, "a failed open modified the data dir");
}

// Reopens `dir` expecting a torn tail of `torn_bytes` to be cut, and records
// k0..k<kept-1> present and k<kept>.. absent.
void ExpectTornTail(const std::string& dir, uint64_t torn_bytes, int kept, int written,
                    uint64_t kept_version) {
  const std::string log = OnlyLog(dir);
  {
    absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore(Options(dir));
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    const RecoveryReport& report = (*store)->recovery();
    CHECK(report.truncated_bytes == torn_bytes);
    bool mentioned = false;
    for (const std::string& note : report.notes) mentioned |= note.find(log) != std::string::npos;
    CHECK_MESSAGE(mentioned, "no recovery note names ", log, ": ",
                  doctest::toString(report.notes).c_str());
    CHECK((*store)->CurrentVersion() == kept_version);
    for (int i = 0; i < written; ++i) {
      absl::StatusOr<Record> r = (*store)->Get("r", absl::StrCat("k", i));
      if (i < kept) {
        CHECK_MESSAGE(r.ok(), "k", i, " lost: ", r.status().ToString());
      } else {
        CHECK_MESSAGE(absl::IsNotFound(r.status()), "k", i, " survived its torn frame");
      }
    }
    // The store appends after the cut, and the next open finds a clean log.
    uint64_t v = MustPut(**store, "r", "after", "{}");
    CHECK(v > kept_version);
  }
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore(Options(dir));
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  CHECK((*store)->recovery().truncated_bytes == 0);
  CHECK((*store)->Get("r", "after").ok());
  CHECK((*store)->Get("r", absl::StrCat("k", kept - 1)).ok());
}

}  // namespace

TEST_SUITE("recovery") {

TEST_CASE("the log follows the documented file and frame format") {
  TempDir dir("format");
  std::vector<uint64_t> versions = WriteAndClose(dir.path(), 5);
  std::string name = OnlyLog(dir.path());
  std::string bytes = test::ReadFileBytes(dir.Join(name));
  std::vector<Frame> frames = ParseLog(bytes);
  CHECK(frames.size() == 5);
  uint64_t first_version = LoadU64(bytes, 8);
  CHECK(first_version == versions[0]);
  // Each payload is one envelope stamped with its commit's version.
  for (size_t i = 0; i < frames.size() && i < versions.size(); ++i) {
    absl::StatusOr<EnvelopeHeader> header = Codec::PeekHeader(
        std::string_view(bytes).substr(frames[i].offset + kFrameHeaderBytes, frames[i].length));
    REQUIRE_MESSAGE(header.ok(), header.status().ToString());
    CHECK(header->meta.record_version == versions[i]);
    CHECK_FALSE(header->key_id.has_value());
  }
  char expected_name[64];
  std::snprintf(expected_name, sizeof(expected_name), "log-%020llu.mlog",
                static_cast<unsigned long long>(first_version));
  CHECK(name == expected_name);
}

TEST_CASE("a log cut inside its last frame is a torn tail that is truncated and reported") {
  struct Cut {
    const char* what;
    size_t keep_of_last_frame;  // bytes of the last frame that remain
  };
  for (Cut cut : {Cut{"payload short by 5 bytes", 0}, Cut{"7 bytes of the header", 7},
                  Cut{"the header without its payload", kFrameHeaderBytes}}) {
    INFO(cut.what);
    TempDir dir("torn");
    std::vector<uint64_t> versions = WriteAndClose(dir.path(), 20);
    std::string path = dir.Join(OnlyLog(dir.path()));
    std::string bytes = test::ReadFileBytes(path);
    std::vector<Frame> frames = ParseLog(bytes);
    REQUIRE(frames.size() == 20);
    const Frame& last = frames.back();
    size_t keep = cut.keep_of_last_frame == 0 ? kFrameHeaderBytes + last.length - 5
                                              : cut.keep_of_last_frame;
    bytes.resize(last.offset + keep);
    REQUIRE(test::WriteFileBytes(path, bytes));
    ExpectTornTail(dir.path(), keep, 19, 20, versions[18]);
  }
}

TEST_CASE("damage in the last frame or garbage after it is a torn tail") {
  SUBCASE("a flipped bit in the last payload") {
    TempDir dir("torn-crc");
    std::vector<uint64_t> versions = WriteAndClose(dir.path(), 12);
    std::string path = dir.Join(OnlyLog(dir.path()));
    std::string bytes = test::ReadFileBytes(path);
    const Frame last = ParseLog(bytes).back();
    bytes[last.offset + kFrameHeaderBytes + last.length / 2] ^= 0x10;
    REQUIRE(test::WriteFileBytes(path, bytes));
    ExpectTornTail(dir.path(), kFrameHeaderBytes + last.length, 11, 12, versions[10]);
  }
  SUBCASE("zeros appended after the last frame") {
    TempDir dir("torn-zeros");
    std::vector<uint64_t> versions = WriteAndClose(dir.path(), 12);
    std::string path = dir.Join(OnlyLog(dir.path()));
    std::string bytes = test::ReadFileBytes(path);
    bytes.append(100, '\0');
    REQUIRE(test::WriteFileBytes(path, bytes));
    ExpectTornTail(dir.path(), 100, 12, 12, versions[11]);
  }
  SUBCASE("a length of 2^31 in the last frame") {
    for (bool fix_header_crc : {false, true}) {
      INFO("header CRC recomputed: ", fix_header_crc);
      TempDir dir("torn-length");
      std::vector<uint64_t> versions = WriteAndClose(dir.path(), 12);
      std::string path = dir.Join(OnlyLog(dir.path()));
      std::string bytes = test::ReadFileBytes(path);
      const Frame last = ParseLog(bytes).back();
      StoreU32(bytes, last.offset + 4, uint32_t{1} << 31);
      if (fix_header_crc) StoreU32(bytes, last.offset + 12, Crc32c(bytes, last.offset, 12));
      REQUIRE(test::WriteFileBytes(path, bytes));
      ExpectTornTail(dir.path(), kFrameHeaderBytes + last.length, 11, 12, versions[10]);
    }
  }
}

TEST_CASE("zeroed bytes in the middle of the log are DataLoss naming the file and offset") {
  TempDir dir("zeroed");
  WriteAndClose(dir.path(), 20);
  std::string name = OnlyLog(dir.path());
  std::string bytes = test::ReadFileBytes(dir.Join(name));
  const Frame frame = ParseLog(bytes)[10];
  std::memset(bytes.data() + frame.offset, 0, 16);
  REQUIRE(test::WriteFileBytes(dir.Join(name), bytes));
  ExpectDataLoss(dir.path(), name, {frame.offset});
}

TEST_CASE("a flipped bit in the middle of the log is DataLoss naming the file and offset") {
  SUBCASE("in a payload") {
    TempDir dir("flip-payload");
    WriteAndClose(dir.path(), 20);
    std::string name = OnlyLog(dir.path());
    std::string bytes = test::ReadFileBytes(dir.Join(name));
    const Frame frame = ParseLog(bytes)[10];
    const size_t at = frame.offset + kFrameHeaderBytes + frame.length / 2;
    bytes[at] ^= 0x01;
    REQUIRE(test::WriteFileBytes(dir.Join(name), bytes));
    ExpectDataLoss(dir.path(), name, {frame.offset, frame.offset + kFrameHeaderBytes, at});
  }
  SUBCASE("in a header CRC") {
    TempDir dir("flip-header");
    WriteAndClose(dir.path(), 20);
    std::string name = OnlyLog(dir.path());
    std::string bytes = test::ReadFileBytes(dir.Join(name));
    const Frame frame = ParseLog(bytes)[10];
    bytes[frame.offset + 13] ^= 0x40;
    REQUIRE(test::WriteFileBytes(dir.Join(name), bytes));
    ExpectDataLoss(dir.path(), name, {frame.offset});
  }
}

TEST_CASE("a length field of 2^31 in the middle of the log is DataLoss and not a crash") {
  for (bool fix_header_crc : {false, true}) {
    INFO("header CRC recomputed: ", fix_header_crc);
    TempDir dir("length");
    WriteAndClose(dir.path(), 20);
    std::string name = OnlyLog(dir.path());
    std::string bytes = test::ReadFileBytes(dir.Join(name));
    const Frame frame = ParseLog(bytes)[10];
    StoreU32(bytes, frame.offset + 4, uint32_t{1} << 31);
    if (fix_header_crc) StoreU32(bytes, frame.offset + 12, Crc32c(bytes, frame.offset, 12));
    REQUIRE(test::WriteFileBytes(dir.Join(name), bytes));
    ExpectDataLoss(dir.path(), name, {frame.offset});
  }
}

TEST_CASE("a damaged log file header is DataLoss") {
  TempDir dir("file-header");
  WriteAndClose(dir.path(), 5);
  std::string name = OnlyLog(dir.path());
  std::string bytes = test::ReadFileBytes(dir.Join(name));
  bytes[2] = 'X';
  REQUIRE(test::WriteFileBytes(dir.Join(name), bytes));
  ExpectDataLoss(dir.path(), name, {});
}

TEST_CASE("a corrupted snapshot is DataLoss naming the snapshot") {
  struct Damage {
    const char* what;
    void (*apply)(std::string&);
  };
  const Damage damages[] = {
      {"bytes flipped in the middle", [](std::string& b) {
         for (size_t i = b.size() / 2; i < b.size() / 2 + 8 && i < b.size(); ++i) b[i] ^= 0x5A;
       }},
      {"cut to half", [](std::string& b) { b.resize(b.size() / 2); }},
      {"bad magic", [](std::string& b) { b[0] = 'X'; }},
      {"last byte flipped", [](std::string& b) { b.back() ^= 0x01; }},
  };
  for (const Damage& damage : damages) {
    INFO(damage.what);
    TempDir dir("snapshot");
    WriteAndClose(dir.path(), 200, /*checkpoint_first=*/true, /*after_checkpoint=*/3);
    std::vector<std::string> snapshots = NamesLike(dir.path(), "snapshot-", ".msnap");
    REQUIRE(snapshots.size() == 1);
    std::string bytes = test::ReadFileBytes(dir.Join(snapshots[0]));
    REQUIRE(bytes.size() > 32);
    CHECK(bytes.compare(0, 8, std::string("MQSNAP\0\2", 8)) == 0);
    damage.apply(bytes);
    REQUIRE(test::WriteFileBytes(dir.Join(snapshots[0]), bytes));
    ExpectDataLoss(dir.path(), snapshots[0], {});
  }
}

TEST_CASE("a leftover snapshot tmp file is ignored and removed") {
  TempDir dir("tmp");
  std::vector<uint64_t> versions = WriteAndClose(dir.path(), 10, true, 2);
  char name[80];
  std::snprintf(name, sizeof(name), "snapshot-%020llu.msnap.tmp",
                static_cast<unsigned long long>(versions.back() + 100));
  REQUIRE(test::WriteFileBytes(dir.Join(name), "half a snapshot, never renamed"));
  std::snprintf(name, sizeof(name), "snapshot-%020llu.msnap.tmp",
                static_cast<unsigned long long>(versions.back()));
  REQUIRE(test::WriteFileBytes(dir.Join(name), std::string(100, '\0')));
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore(Options(dir.path()));
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  CHECK((*store)->recovery().snapshot_version == versions[9]);
  CHECK((*store)->CurrentVersion() == versions.back());
  for (int i = 0; i < 12; ++i) CHECK((*store)->Get("r", absl::StrCat("k", i)).ok());
  CHECK(NamesLike(dir.path(), "snapshot-", ".tmp").empty());
}

TEST_CASE("a LOCK file left behind by a dead process does not keep the store closed") {
  TempDir dir("lock");
  WriteAndClose(dir.path(), 5);
  const std::string lock_path = dir.Join("LOCK");
  // A process that took the lock and died without releasing it.
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int fd = open(lock_path.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) _exit(1);
    if (write(fd, "12345\n", 6) != 6) _exit(1);
    _exit(0);  // dies holding the lock; the kernel releases it
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(std::filesystem::exists(lock_path));
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore(Options(dir.path()));
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  CHECK((*store)->Get("r", "k4").ok());
}

TEST_CASE("a LOCK held by a live process keeps the store closed until it exits") {
  TempDir dir("lock-live");
  WriteAndClose(dir.path(), 3);
  const std::string lock_path = dir.Join("LOCK");
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(ready[0]);
    int fd = open(lock_path.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) _exit(1);
    if (write(ready[1], "x", 1) != 1) _exit(1);
    pause();  // hold the lock until killed
    _exit(0);
  }
  close(ready[1]);
  char byte = 0;
  REQUIRE(read(ready[0], &byte, 1) == 1);
  close(ready[0]);
  absl::StatusOr<std::unique_ptr<MemoryStore>> locked = OpenMemoryStore(Options(dir.path()));
  CHECK_MESSAGE(absl::IsFailedPrecondition(locked.status()), locked.status().ToString());
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore(Options(dir.path()));
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  CHECK((*store)->Get("r", "k2").ok());
}

}  // TEST_SUITE

}  // namespace marquee::test
