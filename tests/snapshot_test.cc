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
#include "internal/snapshot_stream.h"
#include "internal/store_files.h"
#include "marquee/codec.h"
#include "marquee/json.h"
#include "marquee/record.h"

#include "support/file_bytes.h"
#include "support/temp_dir.h"

namespace marquee::internal {
namespace {




// The codec snapshots are written and read with, unless a test says otherwise.
const Codec& TestCodec() {
  static const Codec* codec = Codec::Create({}).value().release();
  return *codec;
}

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
  back.version = ReadSnapshot(path, TestCodec(), [&](Record record) {
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

// A v2 snapshot file: the header, then `stream` cut into chunks.
std::string ChunkedSnapshotFile(uint64_t version, const std::string& stream,
                                const Codec& codec = TestCodec()) {
  std::string file("MQSNAP\0\2", 8);
  AppendFixed64(version, &file);
  for (size_t at = 0; at < stream.size(); at += kSnapshotChunkBytes) {
    absl::StatusOr<std::string> envelope = codec.Encode(
        "", std::string_view(stream).substr(at, kSnapshotChunkBytes),
        EnvelopeMeta{.record_version = version});
    REQUIRE(envelope.ok());
    AppendFixed32(static_cast<uint32_t>(envelope->size()), &file);
    file += *envelope;
  }
  return file;
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
      absl::Status written = WriteSnapshot(path, 12'345, records, TestCodec());
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
    REQUIRE(WriteSnapshot(path, 9, records, TestCodec()).ok());
    CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
    REQUIRE(WriteSnapshot(path, 9, MakeRecords(3, 9), TestCodec()).ok());
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
    CHECK(absl::IsInvalidArgument(WriteSnapshot(path, 10, records, TestCodec())));
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  }

  TEST_CASE("I/O failures and missing files") {
    test::TempDir dir("snapshot-test");
    CHECK(absl::IsUnavailable(WriteSnapshot(dir.Join("absent/snapshot.msnap"), 1, {}, TestCodec())));
    CHECK(absl::IsNotFound(Read(dir.Join("absent.msnap")).version.status()));
  }

  TEST_CASE("an error from on_record stops reading and is returned") {
    test::TempDir dir("snapshot-test");
    const std::string path = dir.Join("s.msnap");
    REQUIRE(WriteSnapshot(path, 50, MakeRecords(10, 50), TestCodec()).ok());
    int calls = 0;
    absl::StatusOr<uint64_t> result = ReadSnapshot(path, TestCodec(), [&](Record) {
      return ++calls == 3 ? absl::CancelledError("stop") : absl::OkStatus();
    });
    CHECK(absl::IsCancelled(result.status()));
    CHECK(calls == 3);
  }

  TEST_CASE("damaged files are DataLoss naming the file and offsets") {
    test::TempDir dir("snapshot-test");
    const std::string path = dir.Join("s.msnap");
    const auto records = MakeRecords(300, 1000);
    REQUIRE(WriteSnapshot(path, 1000, records, TestCodec()).ok());
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
    SUBCASE("bytes after the last chunk") {
      REQUIRE(test::WriteFileBytes(path, good + "x"));
      absl::StatusOr<uint64_t> result = Read(path).version;
      CHECK(absl::IsDataLoss(result.status()));
      CHECK(Contains(result.status().message(),
                     path + " at byte " + std::to_string(good.size()) +
                         " (uncompressed byte "));
      CHECK(Contains(result.status().message(), "1 bytes after the chunk holding the end marker"));
    }
    SUBCASE("a second snapshot's chunks after the end") {
      REQUIRE(test::WriteFileBytes(path, good + good.substr(kSnapshotHeaderBytes)));
      CHECK(absl::IsDataLoss(Read(path).version.status()));
    }
    SUBCASE("an unknown format version") {
      std::string bad = good;
      bad[7] = 3;
      REQUIRE(test::WriteFileBytes(path, bad));
      absl::StatusOr<uint64_t> result = Read(path).version;
      CHECK(absl::IsDataLoss(result.status()));
      CHECK(Contains(result.status().message(), path + " at byte 7: snapshot format version 3"));
    }
  }

  TEST_CASE("a flipped bit anywhere is refused or changes nothing") {
    test::TempDir dir("snapshot-test");
    const std::string path = dir.Join("s.msnap");
    const auto records = MakeRecords(40, 100);
    REQUIRE(WriteSnapshot(path, 100, records, TestCodec()).ok());
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
    // The same stream in both containers: v1 (zstd) and v2 (chunks).
    std::vector<std::string> files;
    SUBCASE("a frame that demands a 128 MiB window") {
      stream = RawStream().Record("c", "a", "1", 3).End(1).bytes();
      files = {SnapshotFileDemandingHugeWindow(10, stream)};
      expected = "bad compressed data";
    }
    if (files.empty()) files = {SnapshotFile(10, stream), ChunkedSnapshotFile(10, stream)};
    for (const std::string& file : files) {
      CAPTURE(static_cast<int>(file[7]));
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

  TEST_CASE("v2 chunks: records span chunks, damaged chunk framing is DataLoss") {
    test::TempDir dir("snapshot-test");
    const std::string path = dir.Join("s.msnap");
    // Two bodies larger than a chunk, between small records.
    auto records = MakeRecords(30, 500);
    for (size_t i : {size_t{5}, size_t{20}}) {
      auto big = std::make_shared<Record>(*records[i]);
      big->body = *Json::Parse("\"" + std::string(kSnapshotChunkBytes + 1000 * i, 'q') + "\"");
      records[i] = big;
    }
    REQUIRE(WriteSnapshot(path, 500, records, TestCodec()).ok());
    const std::string good = test::ReadFileBytes(path);
    CHECK(good.compare(0, 8, std::string("MQSNAP\0\2", 8)) == 0);
    // Walk the chunks as documented: u32 length + envelope, to the end.
    std::vector<size_t> chunk_offsets;
    size_t at = kSnapshotHeaderBytes;
    while (at < good.size()) {
      REQUIRE(good.size() - at >= 4);
      chunk_offsets.push_back(at);
      const uint32_t length = LoadFixed32(good.data() + at);
      REQUIRE(length <= kMaxSnapshotChunkEnvelopeBytes);
      absl::StatusOr<EnvelopeHeader> header =
          Codec::PeekHeader(std::string_view(good).substr(at + 4, length));
      REQUIRE(header.ok());
      CHECK(header->meta.record_version == 500);
      at += 4 + length;
    }
    CHECK(at == good.size());
    CHECK(chunk_offsets.size() >= 3);
    ReadBack back = Read(path);
    REQUIRE_MESSAGE(back.version.ok(), back.version.status().ToString());
    CHECK(SameRecords(back.records, records));

    const size_t second = chunk_offsets[1];
    const auto expect = [&](const std::string& bad, const std::string& what) {
      REQUIRE(test::WriteFileBytes(path, bad));
      absl::StatusOr<uint64_t> result = Read(path).version;
      CHECK(absl::IsDataLoss(result.status()));
      CHECK(Contains(result.status().message(), what));
    };
    SUBCASE("a chunk length of 0") {
      std::string bad = good;
      std::fill_n(bad.begin() + static_cast<std::ptrdiff_t>(second), 4, '\0');
      expect(bad, path + " at byte " + std::to_string(second) + " (uncompressed byte " +
                      std::to_string(kSnapshotChunkBytes) + "): chunk length 0 is not in 1..");
    }
    SUBCASE("a chunk length of 2^31") {
      std::string bad = good;
      bad.replace(second, 4, std::string("\x00\x00\x00\x80", 4));
      expect(bad, "chunk length 2147483648 is not in 1..");
    }
    SUBCASE("a chunk length past the end of the file") {
      std::string bad = good.substr(0, chunk_offsets.back() + 14);
      expect(bad, "runs past the end of the file");
    }
    SUBCASE("a chunk dropped") {
      std::string bad = good.substr(0, second) + good.substr(chunk_offsets[2]);
      REQUIRE(test::WriteFileBytes(path, bad));
      CHECK(absl::IsDataLoss(Read(path).version.status()));
    }
    SUBCASE("a chunk of another snapshot") {
      // The same stream written as the snapshot of version 501: each chunk
      // is well-formed, but says so.
      std::string other = ChunkedSnapshotFile(501, std::string(10, 'x'));
      std::string bad = good.substr(0, second) + other.substr(kSnapshotHeaderBytes);
      expect(bad, "chunk of snapshot version 501 in the snapshot of version 500");
    }
    SUBCASE("a damaged envelope") {
      std::string bad = good;
      bad[second + 40] ^= 0x04;
      expect(bad, path + " at byte " + std::to_string(second) + " (uncompressed byte ");
    }
  }

  TEST_CASE("encrypted snapshots hold no plaintext and need their key") {
    test::TempDir dir("snapshot-test");
    const std::string path = dir.Join("s.msnap");
    const std::string key(kEncryptionKeyBytes, '\x5A');
    std::unique_ptr<Codec> sealing =
        *Codec::Create({.keys = {{.id = 4, .key = key}}, .active_key_id = 4});
    auto records = MakeRecords(50, 60);
    auto secret = std::make_shared<Record>(*records[3]);
    secret->body = *Json::Parse(R"({"code":"plaintext-canary-8f3b"})");
    records[3] = secret;
    REQUIRE(WriteSnapshot(path, 60, records, *sealing).ok());
    const std::string bytes = test::ReadFileBytes(path);
    CHECK(bytes.find("plaintext-canary-8f3b") == std::string::npos);
    CHECK(bytes.find("campaigns") == std::string::npos);

    std::vector<Record> got;
    absl::StatusOr<uint64_t> read = ReadSnapshot(path, *sealing, [&](Record record) {
      got.push_back(std::move(record));
      return absl::OkStatus();
    });
    REQUIRE_MESSAGE(read.ok(), read.status().ToString());
    CHECK(SameRecords(got, records));

    const auto none = [](Record) { return absl::OkStatus(); };
    absl::StatusOr<uint64_t> keyless = ReadSnapshot(path, TestCodec(), none);
    CHECK(absl::IsFailedPrecondition(keyless.status()));
    CHECK(Contains(keyless.status().message(), path + " at byte 16 (uncompressed byte 0)"));
    CHECK(Contains(keyless.status().message(), "key id 4"));
    std::unique_ptr<Codec> wrong =
        *Codec::Create({.keys = {{.id = 4, .key = std::string(kEncryptionKeyBytes, 'w')}}});
    absl::StatusOr<uint64_t> denied = ReadSnapshot(path, *wrong, none);
    CHECK(absl::IsPermissionDenied(denied.status()));
    CHECK(Contains(denied.status().message(), path + " at byte 16"));
  }

  TEST_CASE("a codec that cannot hold a chunk fails the write, leaving no file") {
    test::TempDir dir("snapshot-test");
    const std::string path = dir.Join("s.msnap");
    std::unique_ptr<Codec> small = *Codec::Create({.max_payload_bytes = 4096});
    absl::Status written = WriteSnapshot(path, 2000, MakeRecords(2000, 2000), *small);
    CHECK(absl::IsOutOfRange(written));
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
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
