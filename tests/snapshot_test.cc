// Snapshots (round trips, damage, hostile streams) and the data dir's files
// (names, listing, the lock).
#include "internal/snapshot.h"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <zstd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "internal/crc32c.h"
#include "internal/log_format.h"
#include "internal/store_files.h"
#include "marquee/json.h"
#include "marquee/record.h"

#include "support/file_bytes.h"
#include "support/temp_dir.h"

namespace marquee::internal {
namespace {




bool Contains(absl::string_view haystack, const std::string& needle) {
  return haystack.find(needle) != absl::string_view::npos;
}

long PeakRssKiB() {
  struct rusage usage;
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::vector<std::shared_ptr<const Record>> MakeRecords(size_t count, uint64_t max_version) {
  std::vector<std::shared_ptr<const Record>> records;
  std::mt19937_64 rng(count);
  for (size_t i = 0; i < count; ++i) {
    const std::string body = "{\"n\":" + std::to_string(i) + ",\"name\":\"r\\u00e9cord " +
                             std::string(rng() % 300, 'a' + static_cast<char>(i % 26)) +
                             "\",\"tags\":[1,2,{\"x\":null}]}";
    absl::StatusOr<Json> json = Json::Parse(body);
    REQUIRE_MESSAGE(json.ok(), json.status().ToString());
    auto record = std::make_shared<Record>();
    record->collection = i % 3 == 0 ? "campaigns" : "polls.v2";
    record->id = (i % 7 == 0 ? "caf\xC3\xA9-" : "id-") + std::to_string(i);
    record->version = 1 + rng() % max_version;
    record->schema = static_cast<uint32_t>(1 + i % 4);
    record->created = absl::FromUnixMicros(1'600'000'000'000'000 + static_cast<int64_t>(i));
    record->updated =
        absl::FromUnixMicros(1'700'000'000'000'000 + static_cast<int64_t>(rng() % 1000));
    record->body = *std::move(json);
    records.push_back(std::move(record));
  }
  return records;
}

struct ReadBack {
  absl::StatusOr<uint64_t> version;
  std::vector<Record> records;
};

ReadBack Read(const std::string& path) {
  ReadBack back;
  back.version = ReadSnapshot(path, [&](Record record) {
    back.records.push_back(std::move(record));
    return absl::OkStatus();
  });
  return back;
}

bool SameRecords(const std::vector<Record>& got,
                 const std::vector<std::shared_ptr<const Record>>& want) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!(got[i] == *want[i])) return false;
  }
  return true;
}

// Builds an uncompressed snapshot stream byte by byte, to craft the hostile
// streams the writer would never produce.
class RawStream {
 public:
  RawStream& U8(uint8_t v) {
    bytes_.push_back(static_cast<char>(v));
    return *this;
  }
  RawStream& U32(uint32_t v) {
    AppendFixed32(v, &bytes_);
    return *this;
  }
  RawStream& U64(uint64_t v) {
    AppendFixed64(v, &bytes_);
    return *this;
  }
  RawStream& Bytes(std::string_view b) {
    bytes_.append(b);
    return *this;
  }
  RawStream& Prefixed(std::string_view b) { return U32(static_cast<uint32_t>(b.size())).Bytes(b); }
  RawStream& Record(std::string_view collection, std::string_view id, std::string_view body,
                    uint64_t version) {
    return U8(1).Prefixed(collection).Prefixed(id).Prefixed(body).U64(version).U32(1).U64(5).U64(6);
  }
  // The end marker with `count`, and the CRC of everything before it.
  RawStream& End(uint64_t count) {
    U8(0).U64(count);
    return U32(Crc32c(bytes_.data(), bytes_.size()));
  }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// A snapshot file: the header, then `stream` compressed in one zstd frame.
std::string SnapshotFile(uint64_t version, const std::string& stream) {
  std::string file("MQSNAP\0\1", 8);
  AppendFixed64(version, &file);
  std::string compressed(ZSTD_compressBound(stream.size()), '\0');
  const size_t size =
      ZSTD_compress(compressed.data(), compressed.size(), stream.data(), stream.size(), 3);
  REQUIRE_FALSE(ZSTD_isError(size));
  compressed.resize(size);
  return file + compressed;
}

// As SnapshotFile, but streamed with an unknown size and a 2^27-byte window,
// so the frame header demands a 128 MiB decoding buffer.
std::string SnapshotFileDemandingHugeWindow(uint64_t version, const std::string& stream) {
  std::string file("MQSNAP\0\1", 8);
  AppendFixed64(version, &file);
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  REQUIRE(cctx != nullptr);
  REQUIRE_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, 27)));
  std::string out(ZSTD_compressBound(stream.size()) + 64, '\0');
  ZSTD_outBuffer output{out.data(), out.size(), 0};
  ZSTD_inBuffer input{stream.data(), stream.size(), 0};
  // e_continue first, so zstd cannot learn the size and shrink the window.
  REQUIRE_FALSE(ZSTD_isError(ZSTD_compressStream2(cctx, &output, &input, ZSTD_e_continue)));
  ZSTD_inBuffer none{nullptr, 0, 0};
  REQUIRE(ZSTD_compressStream2(cctx, &output, &none, ZSTD_e_end) == 0);
  ZSTD_freeCCtx(cctx);
  out.resize(output.pos);
  return file + out;
}

TEST_SUITE("snapshot") {
  TEST_CASE("round trips of 0, 1 and 10,000 records") {
    for (size_t count : {size_t{0}, size_t{1}, size_t{10'000}}) {
      CAPTURE(count);
      test::TempDir dir("snapshot-test");
      const std::string path = SnapshotPath(dir.path(), 12'345);
      const auto records = MakeRecords(count, 12'345);
      absl::Status written = WriteSnapshot(path, 12'345, records);
      REQUIRE_MESSAGE(written.ok(), written.ToString());
      CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
      absl::StatusOr<DataDirListing> listing = ListDataDir(dir.path());
      REQUIRE(listing.ok());
      CHECK(listing->snapshots.size() == 1);
      CHECK(listing->temporaries.empty());

      ReadBack back = Read(path);
      REQUIRE_MESSAGE(back.version.ok(), back.version.status().ToString());
      CHECK(*back.version == 12'345);
      CHECK(SameRecords(back.records, records));
    }
  }

  TEST_CASE("a stale .tmp is replaced and a snapshot can be rewritten") {
    test::TempDir dir("snapshot-test");
    const std::string path = dir.Join("snapshot.msnap");
    REQUIRE(test::WriteFileBytes(path + ".tmp", "left by a crash"));
    const auto records = MakeRecords(20, 9);
    REQUIRE(WriteSnapshot(path, 9, records).ok());
    CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
    REQUIRE(WriteSnapshot(path, 9, MakeRecords(3, 9)).ok());
    CHECK(Read(path).records.size() == 3);
  }

  TEST_CASE("WriteSnapshot refuses records the reader would refuse, leaving no file") {
    test::TempDir dir("snapshot-test");
    const std::string path = dir.Join("snapshot.msnap");
    auto records = MakeRecords(5, 10);
    auto bad = std::make_shared<Record>(*records[2]);
    SUBCASE("a version above the snapshot's") { bad->version = 11; }
    SUBCASE("version 0") { bad->version = 0; }
    SUBCASE("an empty id") { bad->id.clear(); }
    SUBCASE("an over-long collection") {
      bad->collection = std::string(kMaxCollectionNameBytes + 1, 'c');
    }
    records[2] = bad;
    CHECK(absl::IsInvalidArgument(WriteSnapshot(path, 10, records)));
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  }

  TEST_CASE("I/O failures and missing files") {
    test::TempDir dir("snapshot-test");
    CHECK(absl::IsUnavailable(WriteSnapshot(dir.Join("absent/snapshot.msnap"), 1, {})));
    CHECK(absl::IsNotFound(Read(dir.Join("absent.msnap")).version.status()));
  }

  TEST_CASE("an error from on_record stops reading and is returned") {
    test::TempDir dir("snapshot-test");
    const std::string path = dir.Join("s.msnap");
    REQUIRE(WriteSnapshot(path, 50, MakeRecords(10, 50)).ok());
    int calls = 0;
    absl::StatusOr<uint64_t> result = ReadSnapshot(path, [&](Record) {
      return ++calls == 3 ? absl::CancelledError("stop") : absl::OkStatus();
    });
    CHECK(absl::IsCancelled(result.status()));
    CHECK(calls == 3);
  }

  TEST_CASE("damaged files are DataLoss naming the file and offsets") {
    test::TempDir dir("snapshot-test");
    const std::string path = dir.Join("s.msnap");
    const auto records = MakeRecords(300, 1000);
    REQUIRE(WriteSnapshot(path, 1000, records).ok());
    const std::string good = test::ReadFileBytes(path);
    REQUIRE(good.size() > 200);

    SUBCASE("truncated") {
      for (size_t size : {size_t{0}, size_t{7}, size_t{8}, size_t{15}, size_t{16}, size_t{17},
                          size_t{40}, good.size() / 2, good.size() - 5, good.size() - 1}) {
        CAPTURE(size);
        REQUIRE(test::WriteFileBytes(path, good.substr(0, size)));
        absl::StatusOr<uint64_t> result = Read(path).version;
        CHECK(absl::IsDataLoss(result.status()));
        CHECK(Contains(result.status().message(), path + " at byte "));
      }
    }
    SUBCASE("zeroed bytes") {
      std::string bad = good;
      std::fill_n(bad.begin() + static_cast<std::ptrdiff_t>(good.size() / 2), 64, '\0');
      REQUIRE(test::WriteFileBytes(path, bad));
      absl::StatusOr<uint64_t> result = Read(path).version;
      CHECK(absl::IsDataLoss(result.status()));
      CHECK(Contains(result.status().message(), "(uncompressed byte "));
    }
    SUBCASE("bad magic") {
      std::string bad = good;
      bad[1] = 'X';
      REQUIRE(test::WriteFileBytes(path, bad));
      absl::StatusOr<uint64_t> result = Read(path).version;
      CHECK(absl::IsDataLoss(result.status()));
      CHECK(Contains(result.status().message(), path + " at byte 0: bad snapshot magic"));
    }
    SUBCASE("bytes after the compressed stream") {
      REQUIRE(test::WriteFileBytes(path, good + "x"));
      absl::StatusOr<uint64_t> result = Read(path).version;
      CHECK(absl::IsDataLoss(result.status()));
      CHECK(Contains(result.status().message(), "bytes after the compressed stream"));
    }
    SUBCASE("a second zstd frame") {
      REQUIRE(test::WriteFileBytes(path, good + SnapshotFile(1000, RawStream().End(0).bytes()).substr(16)));
      CHECK(absl::IsDataLoss(Read(path).version.status()));
    }
  }

  TEST_CASE("a flipped bit anywhere is refused or changes nothing") {
    test::TempDir dir("snapshot-test");
    const std::string path = dir.Join("s.msnap");
    const auto records = MakeRecords(40, 100);
    REQUIRE(WriteSnapshot(path, 100, records).ok());
    const std::string good = test::ReadFileBytes(path);
    std::mt19937 rng(11);
    size_t refused = 0;
    for (size_t at = 16; at < good.size(); ++at) {
      std::string bad = good;
      bad[at] ^= static_cast<char>(1 << (rng() % 8));
      REQUIRE(test::WriteFileBytes(path, bad));
      ReadBack back = Read(path);
      if (back.version.ok()) {
        // Some header bits (e.g. the window size) do not change the data;
        // what is delivered must then be exactly what was written.
        CAPTURE(at);
        CHECK(*back.version == 100);
        CHECK(SameRecords(back.records, records));
      } else {
        CHECK(absl::IsDataLoss(back.version.status()));
        ++refused;
      }
    }
    MESSAGE("refused " << refused << " of " << good.size() - 16 << " flipped bits");
    CHECK(refused * 100 >= (good.size() - 16) * 95);
  }

  TEST_CASE("hostile streams are refused without large allocations") {
    test::TempDir dir("snapshot-test");
    const std::string path = dir.Join("s.msnap");
    const std::string huge_length = std::string("\x00\x00\x00\x80", 4);  // 2^31 LE
    std::string stream;
    std::string expected;
    SUBCASE("a well-formed crafted stream is accepted") {
      stream =
          RawStream().Record("c", "a", "{\"k\":1}", 3).Record("c", "b", "[]", 7).End(2).bytes();
    }
    SUBCASE("a collection length of 2^31") {
      stream = RawStream().U8(1).Bytes(huge_length).Bytes("cc").bytes();
      expected = "collection length 2147483648 is not in 1..128";
    }
    SUBCASE("an id length of 2^31") {
      stream = RawStream().U8(1).Prefixed("c").Bytes(huge_length).bytes();
      expected = "id length 2147483648";
    }
    SUBCASE("a body length of 2^31") {
      stream = RawStream().U8(1).Prefixed("c").Prefixed("a").Bytes(huge_length).Bytes("{}").bytes();
      expected = "body length 2147483648 is not in 0..1073741824";
    }
    SUBCASE("a body length at the limit with few bytes behind it") {
      stream = RawStream()
                   .U8(1)
                   .Prefixed("c")
                   .Prefixed("a")
                   .U32(kMaxFramePayloadBytes)
                   .Bytes("{}")
                   .bytes();
      expected = "truncated";
    }
    SUBCASE("an unknown entry tag") {
      stream = RawStream().Record("c", "a", "1", 3).U8(9).bytes();
      expected = "unknown entry tag 9";
    }
    SUBCASE("a record count that does not match") {
      stream = RawStream().Record("c", "a", "1", 3).End(5).bytes();
      expected = "end marker counts 5 records, found 1";
    }
    SUBCASE("a bad checksum") {
      stream = RawStream().Record("c", "a", "1", 3).End(1).bytes();
      stream.back() ^= 1;
      expected = "checksum mismatch";
    }
    SUBCASE("bytes after the end marker") {
      stream = RawStream().Record("c", "a", "1", 3).End(1).bytes() + "x";
      expected = "bytes after the end marker";
    }
    SUBCASE("no end marker") {
      stream = RawStream().Record("c", "a", "1", 3).bytes();
      expected = "truncated";
    }
    SUBCASE("a body that is not JSON") {
      stream = RawStream().Record("c", "a", "{\"k\":", 3).End(1).bytes();
      expected = "body of c/a is not valid JSON";
    }
    SUBCASE("a record newer than the snapshot") {
      stream = RawStream().Record("c", "a", "1", 11).End(1).bytes();
      expected = "has version 11, not in 1..10";
    }
    std::string file = SnapshotFile(10, stream);
    SUBCASE("a frame that demands a 128 MiB window") {
      stream = RawStream().Record("c", "a", "1", 3).End(1).bytes();
      file = SnapshotFileDemandingHugeWindow(10, stream);
      expected = "bad compressed data";
    }
    REQUIRE(test::WriteFileBytes(path, file));
    const long rss_before = PeakRssKiB();
    ReadBack back = Read(path);
    CHECK(PeakRssKiB() - rss_before < 64 * 1024);
    if (expected.empty()) {
      REQUIRE_MESSAGE(back.version.ok(), back.version.status().ToString());
      CHECK(*back.version == 10);
      REQUIRE(back.records.size() == 2);
      CHECK(back.records[1].id == "b");
      CHECK(back.records[1].version == 7);
      CHECK(back.records[1].created == absl::FromUnixMicros(5));
      CHECK(back.records[1].body.text() == "[]");
    } else {
      CHECK(absl::IsDataLoss(back.version.status()));
      CHECK(Contains(back.version.status().message(), expected));
      CHECK(Contains(back.version.status().message(), path + " at byte "));
    }
  }
}

TEST_SUITE("store_files") {
  TEST_CASE("names are zero-padded to 20 digits") {
    CHECK(LogPath("/d", 42) == "/d/log-00000000000000000042.mlog");
    CHECK(SnapshotPath("/d", UINT64_MAX) == "/d/snapshot-18446744073709551615.msnap");
    CHECK(DirName("/a/b/c") == "/a/b");
    CHECK(DirName("/a/b/") == "/a");
    CHECK(DirName("/a") == "/");
    CHECK(DirName("a") == ".");
  }

  TEST_CASE("ListDataDir sorts what it knows and ignores the rest") {
    test::TempDir dir("snapshot-test");
    for (const std::string& name :
         {LogPath(dir.path(), 30), LogPath(dir.path(), 4), SnapshotPath(dir.path(), 10),
          SnapshotPath(dir.path(), 2), SnapshotPath(dir.path(), 5) + ".tmp", dir.Join("a.tmp"),
          dir.Join("LOCK"), dir.Join("log-12.mlog"), dir.Join("log-99999999999999999999.mlog"),
          dir.Join("snapshot-0000000000000000000x.msnap"), dir.Join("notes.txt")}) {
      REQUIRE(test::WriteFileBytes(name, ""));
    }
    absl::StatusOr<DataDirListing> listing = ListDataDir(dir.path());
    REQUIRE(listing.ok());
    REQUIRE(listing->logs.size() == 2);
    CHECK(listing->logs[0].number == 4);
    CHECK(listing->logs[0].path == LogPath(dir.path(), 4));
    CHECK(listing->logs[1].number == 30);
    REQUIRE(listing->snapshots.size() == 2);
    CHECK(listing->snapshots[0].number == 2);
    CHECK(listing->snapshots[1].number == 10);
    CHECK(listing->temporaries ==
          std::vector<std::string>{dir.Join("a.tmp"), SnapshotPath(dir.path(), 5) + ".tmp"});
    CHECK(absl::IsUnavailable(ListDataDir(dir.Join("absent")).status()));
  }

  TEST_CASE("DirLock keeps a second holder out until released") {
    test::TempDir dir("snapshot-test");
    absl::StatusOr<std::unique_ptr<DirLock>> first = DirLock::Acquire(dir.path());
    REQUIRE(first.ok());
    absl::StatusOr<std::unique_ptr<DirLock>> second = DirLock::Acquire(dir.path());
    CHECK(absl::IsFailedPrecondition(second.status()));
    CHECK(Contains(second.status().message(), "data dir " + dir.path() + " is in use"));
    first->reset();
    CHECK(DirLock::Acquire(dir.path()).ok());
    CHECK(absl::IsUnavailable(DirLock::Acquire(dir.Join("absent")).status()));
  }

  TEST_CASE("CreateDirectories, SyncDirectory and RemoveFile") {
    test::TempDir dir("snapshot-test");
    const std::string nested = dir.Join("a/b/c/");
    REQUIRE(CreateDirectories(nested).ok());
    CHECK(std::filesystem::is_directory(nested));
    CHECK(CreateDirectories(nested).ok());
    REQUIRE(test::WriteFileBytes(dir.Join("file"), "x"));
    CHECK(absl::IsInvalidArgument(CreateDirectories(dir.Join("file"))));
    CHECK(absl::IsInvalidArgument(CreateDirectories(dir.Join("file/sub"))));
    CHECK(absl::IsInvalidArgument(CreateDirectories("")));

    CHECK(SyncDirectory(dir.path()).ok());
    CHECK(absl::IsUnavailable(SyncDirectory(dir.Join("absent"))));

    CHECK(RemoveFile(dir.Join("file")).ok());
    CHECK_FALSE(std::filesystem::exists(dir.Join("file")));
    CHECK(RemoveFile(dir.Join("file")).ok());               // already gone
    CHECK(absl::IsUnavailable(RemoveFile(dir.Join("a"))));  // a directory
  }
}

}  // namespace
}  // namespace marquee::internal
