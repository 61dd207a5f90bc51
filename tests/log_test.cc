// The commit log: CRC-32C, the commit and frame encodings, recovery's reader
// (torn tail versus corruption) and the appender's sticky failures.
#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "internal/commit.h"
#include "internal/crc32c.h"
#include "internal/log_format.h"
#include "internal/log_reader.h"
#include "internal/log_writer.h"
#include "marquee/json.h"

#include "support/file_bytes.h"
#include "support/temp_dir.h"

namespace marquee::internal {
namespace {




Json ParseJson(std::string_view text) {
  absl::StatusOr<Json> json = Json::Parse(text);
  REQUIRE_MESSAGE(json.ok(), json.status().ToString());
  return *std::move(json);
}

Change Put(uint64_t version, std::string collection, std::string id, std::string_view body,
           uint32_t schema = 1) {
  Change change{.version = version,
                .kind = Change::Kind::kPut,
                .collection = collection,
                .id = id,
                .record = {}};
  change.record = Record{.collection = std::move(collection),
                         .id = std::move(id),
                         .version = version,
                         .schema = schema,
                         .created = absl::FromUnixMicros(1'700'000'000'123'456),
                         .updated = absl::FromUnixMicros(1'700'000'100'654'321),
                         .body = ParseJson(body)};
  return change;
}

Change Erase(uint64_t version, std::string collection, std::string id) {
  Change change{.version = version,
                .kind = Change::Kind::kErase,
                .collection = collection,
                .id = id,
                .record = {}};
  change.record.collection = std::move(collection);
  change.record.id = std::move(id);
  change.record.version = version;
  return change;
}

void CheckSameCommit(const Commit& got, const Commit& want) {
  CHECK(got.version == want.version);
  REQUIRE(got.changes.size() == want.changes.size());
  for (size_t i = 0; i < want.changes.size(); ++i) {
    CAPTURE(i);
    const Change& g = got.changes[i];
    const Change& w = want.changes[i];
    CHECK(g.version == w.version);
    CHECK(g.kind == w.kind);
    CHECK(g.collection == w.collection);
    CHECK(g.id == w.id);
    CHECK(g.record == w.record);
  }
}

std::string EncodedCommit(uint64_t version, size_t body_bytes) {
  Commit commit{.version = version, .changes = {}};
  commit.changes.push_back(Put(version, "campaigns", "c" + std::to_string(version),
                               "{\"pad\":\"" + std::string(body_bytes, 'x') + "\"}"));
  if (version % 3 == 0)
    commit.changes.push_back(Erase(version, "polls", "p" + std::to_string(version)));
  std::string payload;
  EncodeCommit(commit, &payload);
  return payload;
}

// A log of `frames` frames with payloads of varying sizes.
struct BuiltLog {
  std::string bytes;
  std::vector<size_t> offsets;  // where each frame starts
  std::vector<std::string> payloads;
};

BuiltLog BuildLog(uint64_t first_version, size_t frames) {
  BuiltLog log;
  AppendLogFileHeader(first_version, &log.bytes);
  for (size_t i = 0; i < frames; ++i) {
    log.payloads.push_back(EncodedCommit(first_version + i, 10 + 37 * i));
    log.offsets.push_back(log.bytes.size());
    AppendFrame(log.payloads.back(), &log.bytes);
  }
  return log;
}

struct ReadOutcome {
  absl::StatusOr<LogReadResult> result;
  std::vector<std::pair<std::string, uint64_t>> frames;
};

ReadOutcome Read(const std::string& path) {
  ReadOutcome outcome;
  outcome.result = ReadLog(path, [&](const LogFrame& frame) {
    outcome.frames.emplace_back(std::string(frame.payload), frame.offset);
    return absl::OkStatus();
  });
  return outcome;
}

std::string Raw(std::initializer_list<uint8_t> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

bool Contains(absl::string_view haystack, const std::string& needle) {
  return haystack.find(needle) != absl::string_view::npos;
}

long PeakRssKiB() {
  struct rusage usage;
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// Rewrites frame `index`'s length field and recomputes its header CRC, so
// only the length itself is wrong.
void SetFrameLength(BuiltLog& log, size_t index, uint32_t length) {
  char* header = log.bytes.data() + log.offsets[index];
  std::string le;
  AppendFixed32(length, &le);
  std::memcpy(header + 4, le.data(), 4);
  le.clear();
  AppendFixed32(Crc32c(header, 12), &le);
  std::memcpy(header + 12, le.data(), 4);
}

TEST_SUITE("crc32c") {
  TEST_CASE("known vectors") {
    CHECK(Crc32c("123456789", 9) == 0xE3069283u);
    CHECK(Crc32c("", 0) == 0u);
    const std::string zeros(32, '\0');
    CHECK(Crc32c(zeros.data(), zeros.size()) == 0x8A9136AAu);
    const std::string ones(32, '\xFF');
    CHECK(Crc32c(ones.data(), ones.size()) == 0x62A8AB43u);
    std::string ascending, descending;
    for (int i = 0; i < 32; ++i) {
      ascending.push_back(static_cast<char>(i));
      descending.push_back(static_cast<char>(31 - i));
    }
    CHECK(Crc32c(ascending.data(), 32) == 0x46DD794Eu);
    CHECK(Crc32c(descending.data(), 32) == 0x113FDB5Cu);
    for (uint32_t (*extend)(uint32_t, const void*, size_t) :
         {&Crc32cExtendPortable, &Crc32cExtendHardware}) {
      if (extend == &Crc32cExtendHardware && !Crc32cHardwareAvailable()) continue;
      CHECK(extend(0, "123456789", 9) == 0xE3069283u);
      CHECK(extend(0, zeros.data(), 32) == 0x8A9136AAu);
    }
  }

  TEST_CASE("extending equals hashing the concatenation") {
    const std::string text = "The quick brown fox jumps over the lazy dog, twice over.";
    const uint32_t whole = Crc32c(text.data(), text.size());
    for (size_t split = 0; split <= text.size(); ++split) {
      CAPTURE(split);
      CHECK(Crc32cExtend(Crc32c(text.data(), split), text.data() + split, text.size() - split) ==
            whole);
    }
  }

  TEST_CASE("portable and hardware paths agree on random data, lengths and alignments") {
    std::mt19937_64 rng(42);
    std::vector<char> buffer(5000);
    for (char& c : buffer) c = static_cast<char>(rng());
    const bool hardware = Crc32cHardwareAvailable();
    MESSAGE("SSE4.2 crc32 available: " << hardware);
    for (int round = 0; round < 2000; ++round) {
      const size_t start = rng() % 64;
      const size_t size = rng() % (buffer.size() - start);
      const auto seed = static_cast<uint32_t>(rng());
      const uint32_t portable = Crc32cExtendPortable(seed, buffer.data() + start, size);
      CHECK(Crc32cExtend(seed, buffer.data() + start, size) == portable);
      if (hardware) CHECK(Crc32cExtendHardware(seed, buffer.data() + start, size) == portable);
    }
  }
}

TEST_SUITE("log_format") {
  TEST_CASE("commits round-trip") {
    Commit commit{.version = 77, .changes = {}};
    commit.changes.push_back(
        Put(77, "campaigns", "spring", R"({"priority":5,"tags":["a","b"]})", 3));
    commit.changes.push_back(Put(77, "campaigns", "caf\xC3\xA9-\xF0\x9F\x98\x80", "{}"));
    commit.changes.push_back(Erase(77, "polls", "\xE6\x97\xA5\xE6\x9C\xAC"));
    commit.changes.push_back(Put(77, "p.o_l-s", std::string(kMaxIdBytes, 'z'), "[]"));
    commit.changes.push_back(Put(77, std::string(kMaxCollectionNameBytes, 'c'), "x",
                                 R"({"nested":{"deep":[1,2.5,null,true,"\u00e9"]}})"));
    commit.changes.back().record.created = absl::FromUnixMicros(-5);  // before 1970
    std::string payload;
    EncodeCommit(commit, &payload);
    absl::StatusOr<Commit> decoded = DecodeCommit(payload);
    REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
    CheckSameCommit(*decoded, commit);

    SUBCASE("an empty commit") {
      Commit empty{.version = 1, .changes = {}};
      std::string bytes;
      EncodeCommit(empty, &bytes);
      CHECK(bytes.size() == 9);  // version + a one-byte count
      absl::StatusOr<Commit> back = DecodeCommit(bytes);
      REQUIRE(back.ok());
      CHECK(back->version == 1);
      CHECK(back->changes.empty());
    }
    SUBCASE("encoding appends") {
      std::string prefixed = "prefix";
      EncodeCommit(commit, &prefixed);
      CHECK(prefixed == "prefix" + payload);
    }
  }

  TEST_CASE("every truncation of a payload is DataLoss") {
    const std::string payload = EncodedCommit(9, 40);  // a put and an erase
    REQUIRE(DecodeCommit(payload).ok());
    for (size_t size = 0; size < payload.size(); ++size) {
      CAPTURE(size);
      absl::StatusOr<Commit> decoded = DecodeCommit(payload.substr(0, size));
      CHECK(absl::IsDataLoss(decoded.status()));
    }
    CHECK(absl::IsDataLoss(DecodeCommit(payload + "x").status()));  // trailing bytes
  }

  TEST_CASE("garbage and damaged payloads are refused or decode to something well-formed") {
    std::mt19937_64 rng(7);
    const std::string payload = EncodedCommit(12, 100);
    int garbage_refused = 0;
    for (int round = 0; round < 3000; ++round) {
      std::string bytes;
      if (round % 2 == 0) {
        bytes.resize(rng() % 200);
        for (char& c : bytes) c = static_cast<char>(rng());
      } else {
        bytes = payload;
        bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
      }
      absl::StatusOr<Commit> decoded = DecodeCommit(bytes);
      if (!decoded.ok()) {
        CHECK(absl::IsDataLoss(decoded.status()));
        if (round % 2 == 0) ++garbage_refused;
      } else {
        for (const Change& change : decoded->changes) CHECK(change.version == decoded->version);
      }
    }
    // Random bytes almost never have the exact structure of a commit (a
    // damaged body can still be valid JSON, so damaged payloads may decode).
    CHECK(garbage_refused > 1490);
  }

  TEST_CASE("malformed payloads name what is wrong") {
    std::string head;
    AppendFixed64(5, &head);
    SUBCASE("a count no payload could hold") {
      std::string bytes = head + Raw({0xFF, 0xFF, 0xFF, 0xFF, 0x0F});
      absl::StatusOr<Commit> decoded = DecodeCommit(bytes);
      CHECK(absl::IsDataLoss(decoded.status()));
      CHECK(Contains(decoded.status().message(), "change count 4294967295"));
    }
    SUBCASE("an over-long varint") {
      CHECK(absl::IsDataLoss(DecodeCommit(head + Raw({0xFF, 0xFF, 0xFF, 0xFF, 0x7F})).status()));
    }
    SUBCASE("an unknown change kind") {
      absl::StatusOr<Commit> decoded = DecodeCommit(head + Raw({1, 7, 1, 'c', 1, 'i'}));
      CHECK(absl::IsDataLoss(decoded.status()));
      CHECK(Contains(decoded.status().message(), "unknown change kind 7"));
    }
    SUBCASE("a length past the end") {
      absl::StatusOr<Commit> decoded = DecodeCommit(head + Raw({1, 1, 0x7F, 'c', 1, 'i'}));
      CHECK(absl::IsDataLoss(decoded.status()));
      CHECK(Contains(decoded.status().message(), "collection length 127"));
    }
    SUBCASE("an over-long collection name") {
      std::string bytes = head + Raw({1, 1, 0x81, 0x01}) + std::string(129, 'c') + Raw({1, 'i'});
      CHECK(absl::IsDataLoss(DecodeCommit(bytes).status()));
    }
    SUBCASE("an empty id") {
      absl::StatusOr<Commit> decoded = DecodeCommit(head + Raw({1, 1, 1, 'c', 0, 'x', 'x'}));
      CHECK(absl::IsDataLoss(decoded.status()));
      CHECK(Contains(decoded.status().message(), "empty collection or id"));
    }
    SUBCASE("a body that is not JSON") {
      Commit commit{.version = 5, .changes = {}};
      commit.changes.push_back(Put(5, "campaigns", "spring", R"({"k":[1]})"));
      std::string bytes;
      EncodeCommit(commit, &bytes);
      const size_t at = bytes.find("[1]");
      REQUIRE(at != std::string::npos);
      bytes.replace(at, 3, "[1,");
      absl::StatusOr<Commit> decoded = DecodeCommit(bytes);
      CHECK(absl::IsDataLoss(decoded.status()));
      CHECK(Contains(decoded.status().message(), "campaigns/spring is not valid JSON"));
    }
  }

  TEST_CASE("file header and frame layout") {
    std::string header;
    AppendLogFileHeader(0x0102030405060708, &header);
    CHECK(header == std::string("MQLOG\0\0\2\x08\x07\x06\x05\x04\x03\x02\x01", 16));
    std::string v1_header;
    AppendLogFileHeader(0x0102030405060708, &v1_header, 1);
    CHECK(v1_header == std::string("MQLOG\0\0\1\x08\x07\x06\x05\x04\x03\x02\x01", 16));

    std::string frame = "keep";
    AppendFrame("hello", &frame);
    REQUIRE(frame.size() == 4 + kFrameHeaderBytes + 5);
    const char* h = frame.data() + 4;
    CHECK(LoadFixed32(h) == 0x4D514652u);
    CHECK(std::string(h, 4) == "RFQM");
    CHECK(LoadFixed32(h + 4) == 5);
    CHECK(LoadFixed32(h + 8) == Crc32c("hello", 5));
    CHECK(LoadFixed32(h + 12) == Crc32c(h, 12));
    CHECK(frame.substr(4 + kFrameHeaderBytes) == "hello");
  }

  TEST_CASE("v2 payloads are envelopes of the commit encoding") {
    Commit commit{.version = 77, .changes = {}};
    commit.changes.push_back(Put(77, "campaigns", "spring", R"({"name":"Été"})"));
    commit.changes.push_back(Erase(77, "campaigns", "winter"));
    std::string bare;
    EncodeCommit(commit, &bare);
    std::unique_ptr<Codec> codec = *Codec::Create({});
    std::string scratch;
    absl::StatusOr<std::string> payload = EncodeLogPayload(*codec, commit, &scratch);
    REQUIRE(payload.ok());
    absl::StatusOr<EnvelopeHeader> header = Codec::PeekHeader(*payload);
    REQUIRE(header.ok());
    CHECK(header->meta.record_version == 77);

    absl::StatusOr<Commit> back = DecodeLogPayload(2, *codec, *payload);
    REQUIRE_MESSAGE(back.ok(), back.status().ToString());
    std::string again;
    EncodeCommit(*back, &again);
    CHECK(again == bare);
    // v1 payloads are the bare encoding; an envelope is not one.
    absl::StatusOr<Commit> v1 = DecodeLogPayload(1, *codec, bare);
    REQUIRE(v1.ok());
    CHECK(v1->version == 77);
    CHECK(absl::IsDataLoss(DecodeLogPayload(1, *codec, *payload).status()));
    CHECK(absl::IsDataLoss(DecodeLogPayload(2, *codec, bare).status()));
    CHECK(absl::IsDataLoss(DecodeLogPayload(3, *codec, *payload).status()));

    SUBCASE("the envelope's version must be the commit's") {
      absl::StatusOr<std::string> other =
          codec->Encode("campaigns", bare, EnvelopeMeta{.record_version = 78});
      REQUIRE(other.ok());
      absl::StatusOr<Commit> decoded = DecodeLogPayload(2, *codec, *other);
      CHECK(absl::IsDataLoss(decoded.status()));
      CHECK(decoded.status().message().find("says version 78 but holds commit 77") !=
            std::string_view::npos);
    }
    SUBCASE("a damaged envelope is DataLoss") {
      std::string bad = *payload;
      bad[bad.size() / 2] ^= 0x10;
      CHECK(absl::IsDataLoss(DecodeLogPayload(2, *codec, bad).status()));
    }
    SUBCASE("a codec too small for the payload is FailedPrecondition") {
      Commit big{.version = 5, .changes = {}};
      big.changes.push_back(Put(5, "c", "i", "\"" + std::string(5000, 'x') + "\""));
      absl::StatusOr<std::string> big_payload = EncodeLogPayload(*codec, big, &scratch);
      REQUIRE(big_payload.ok());
      std::unique_ptr<Codec> small = *Codec::Create({.max_payload_bytes = 1000});
      CHECK(absl::IsFailedPrecondition(DecodeLogPayload(2, *small, *big_payload).status()));
      CHECK(absl::IsOutOfRange(EncodeLogPayload(*small, big, &scratch).status()));
    }
  }

  TEST_CASE("encrypted payloads need the key they were sealed with") {
    const std::string key1(kEncryptionKeyBytes, '\x11');
    const std::string other(kEncryptionKeyBytes, '\x22');
    std::unique_ptr<Codec> sealing =
        *Codec::Create({.keys = {{.id = 1, .key = key1}}, .active_key_id = 1});
    Commit commit{.version = 3, .changes = {}};
    commit.changes.push_back(Put(3, "campaigns", "secret", R"({"code":"swordfish-swordfish"})"));
    std::string scratch;
    absl::StatusOr<std::string> payload = EncodeLogPayload(*sealing, commit, &scratch);
    REQUIRE(payload.ok());
    CHECK(payload->find("swordfish") == std::string::npos);
    CHECK(DecodeLogPayload(2, *sealing, *payload).ok());
    std::unique_ptr<Codec> keyless = *Codec::Create({});
    CHECK(absl::IsFailedPrecondition(DecodeLogPayload(2, *keyless, *payload).status()));
    std::unique_ptr<Codec> wrong = *Codec::Create({.keys = {{.id = 1, .key = other}}});
    CHECK(absl::IsPermissionDenied(DecodeLogPayload(2, *wrong, *payload).status()));
  }

  TEST_CASE("the collection given to the codec") {
    Commit commit{.version = 9, .changes = {}};
    CHECK(CommitCollection(commit).empty());
    commit.changes.push_back(Put(9, "campaigns", "a", "1"));
    commit.changes.push_back(Erase(9, "campaigns", "b"));
    CHECK(CommitCollection(commit) == "campaigns");
    commit.changes.push_back(Put(9, "polls", "p", "2"));
    CHECK(CommitCollection(commit).empty());
  }
}

TEST_SUITE("log_reader") {
  TEST_CASE("a clean log delivers every frame in order") {
    test::TempDir dir("log-test");
    const std::string path = dir.Join("clean.mlog");
    const BuiltLog log = BuildLog(41, 6);
    REQUIRE(test::WriteFileBytes(path, log.bytes));
    ReadOutcome read = Read(path);
    REQUIRE_MESSAGE(read.result.ok(), read.result.status().ToString());
    CHECK(read.result->first_version == 41);
    CHECK(read.result->format_version == kLogFormatVersion);
    CHECK(read.result->frames == 6);
    CHECK(read.result->valid_bytes == log.bytes.size());
    CHECK(read.result->torn_bytes == 0);
    CHECK(read.result->torn_reason.empty());
    REQUIRE(read.frames.size() == 6);
    for (size_t i = 0; i < 6; ++i) {
      CHECK(read.frames[i].first == log.payloads[i]);
      CHECK(read.frames[i].second == log.offsets[i]);
      absl::StatusOr<Commit> commit = DecodeCommit(read.frames[i].first);
      REQUIRE(commit.ok());
      CHECK(commit->version == 41 + i);
    }

    SUBCASE("a header without frames") {
      REQUIRE(test::WriteFileBytes(path, log.bytes.substr(0, kLogFileHeaderBytes)));
      ReadOutcome empty = Read(path);
      REQUIRE(empty.result.ok());
      CHECK(empty.result->first_version == 41);
      CHECK(empty.result->frames == 0);
      CHECK(empty.result->valid_bytes == kLogFileHeaderBytes);
      CHECK(empty.result->torn_bytes == 0);
    }
    SUBCASE("an error from on_frame stops reading and is returned") {
      int calls = 0;
      absl::StatusOr<LogReadResult> result = ReadLog(path, [&](const LogFrame&) {
        return ++calls == 2 ? absl::CancelledError("enough") : absl::OkStatus();
      });
      CHECK(absl::IsCancelled(result.status()));
      CHECK(calls == 2);
    }
  }

  TEST_CASE("a log cut anywhere inside its last frame has a torn tail") {
    test::TempDir dir("log-test");
    const std::string path = dir.Join("cut.mlog");
    const BuiltLog log = BuildLog(1, 4);
    const size_t last = log.offsets.back();
    for (size_t cut = last; cut < log.bytes.size(); ++cut) {
      CAPTURE(cut);
      REQUIRE(test::WriteFileBytes(path, log.bytes.substr(0, cut)));
      ReadOutcome read = Read(path);
      REQUIRE_MESSAGE(read.result.ok(), read.result.status().ToString());
      CHECK(read.result->frames == 3);
      CHECK(read.frames.size() == 3);
      CHECK(read.result->valid_bytes == last);
      CHECK(read.result->torn_bytes == cut - last);
      if (cut > last) CHECK(Contains(read.result->torn_reason, "at byte " + std::to_string(last)));
    }
  }

  TEST_CASE("zeroed tails are torn") {
    test::TempDir dir("log-test");
    const std::string path = dir.Join("zeros.mlog");
    BuiltLog log = BuildLog(1, 4);
    SUBCASE("zeros after the last frame") {
      REQUIRE(test::WriteFileBytes(path, log.bytes + std::string(4096, '\0')));
      ReadOutcome read = Read(path);
      REQUIRE(read.result.ok());
      CHECK(read.result->frames == 4);
      CHECK(read.result->valid_bytes == log.bytes.size());
      CHECK(read.result->torn_bytes == 4096);
      CHECK(Contains(read.result->torn_reason, "4096 zero bytes"));
    }
    SUBCASE("the last frame zeroed in place") {
      std::fill(log.bytes.begin() + static_cast<std::ptrdiff_t>(log.offsets.back()),
                log.bytes.end(), '\0');
      REQUIRE(test::WriteFileBytes(path, log.bytes));
      ReadOutcome read = Read(path);
      REQUIRE(read.result.ok());
      CHECK(read.result->frames == 3);
      CHECK(read.result->valid_bytes == log.offsets.back());
    }
    SUBCASE("the last frame's payload half zeroed") {
      const size_t payload_start = log.offsets.back() + kFrameHeaderBytes;
      std::fill(log.bytes.begin() + static_cast<std::ptrdiff_t>(payload_start + 20),
                log.bytes.end(), '\0');
      REQUIRE(test::WriteFileBytes(path, log.bytes));
      ReadOutcome read = Read(path);
      REQUIRE(read.result.ok());
      CHECK(read.result->valid_bytes == log.offsets.back());
      CHECK(Contains(read.result->torn_reason, "payload checksum mismatch"));
    }
  }

  TEST_CASE("damage followed by a valid frame is DataLoss naming the offset") {
    test::TempDir dir("log-test");
    const std::string path = dir.Join("damaged.mlog");
    BuiltLog log = BuildLog(1, 5);
    const size_t damaged = log.offsets[2];
    std::string expected_reason;
    SUBCASE("zeroed bytes in the middle of a payload") {
      std::fill_n(log.bytes.begin() + static_cast<std::ptrdiff_t>(damaged + kFrameHeaderBytes + 3),
                  10, '\0');
      expected_reason = "payload checksum mismatch";
    }
    SUBCASE("a whole frame zeroed") {
      std::fill(log.bytes.begin() + static_cast<std::ptrdiff_t>(damaged),
                log.bytes.begin() + static_cast<std::ptrdiff_t>(log.offsets[3]), '\0');
      expected_reason = "bad frame magic";
    }
    SUBCASE("a flipped bit in a payload") {
      log.bytes[damaged + kFrameHeaderBytes + 7] ^= 0x10;
      expected_reason = "payload checksum mismatch";
    }
    SUBCASE("a flipped bit in a length field") {
      log.bytes[damaged + 4] ^= 0x01;
      expected_reason = "header checksum mismatch";
    }
    SUBCASE("a length of 2^31 with a consistent header") {
      SetFrameLength(log, 2, uint32_t{1} << 31);
      expected_reason = "frame length 2147483648 exceeds the limit";
    }
    SUBCASE("a length within the limit but past the end of the file") {
      SetFrameLength(log, 2, kMaxFramePayloadBytes);
      expected_reason = "runs past the end of the file";
    }
    REQUIRE(test::WriteFileBytes(path, log.bytes));
    const long rss_before = PeakRssKiB();
    ReadOutcome read = Read(path);
    CHECK(PeakRssKiB() - rss_before < 64 * 1024);  // no allocation sized by a length field
    CHECK(absl::IsDataLoss(read.result.status()));
    const std::string message(read.result.status().message());
    CHECK(Contains(message, path + " at byte " + std::to_string(damaged) + ": "));
    CHECK(Contains(message, expected_reason));
    CHECK(read.frames.size() == 2);  // the frames before the damage were delivered
  }

  TEST_CASE("a huge length in the last frame is a torn tail") {
    test::TempDir dir("log-test");
    const std::string path = dir.Join("huge.mlog");
    BuiltLog log = BuildLog(1, 3);
    SetFrameLength(log, 2, uint32_t{1} << 31);
    REQUIRE(test::WriteFileBytes(path, log.bytes));
    const long rss_before = PeakRssKiB();
    ReadOutcome read = Read(path);
    CHECK(PeakRssKiB() - rss_before < 64 * 1024);
    REQUIRE(read.result.ok());
    CHECK(read.result->frames == 2);
    CHECK(read.result->valid_bytes == log.offsets[2]);
    CHECK(read.result->torn_bytes == log.bytes.size() - log.offsets[2]);
    CHECK(Contains(read.result->torn_reason, "exceeds the limit"));
  }

  TEST_CASE("garbage after the last frame is torn unless a valid frame hides in it") {
    test::TempDir dir("log-test");
    const std::string path = dir.Join("garbage.mlog");
    const BuiltLog log = BuildLog(1, 2);
    std::mt19937_64 rng(3);
    std::string garbage(3000, '\0');
    for (char& c : garbage) c = static_cast<char>(rng());
    REQUIRE(test::WriteFileBytes(path, log.bytes + garbage));
    ReadOutcome torn = Read(path);
    REQUIRE(torn.result.ok());
    CHECK(torn.result->valid_bytes == log.bytes.size());
    CHECK(torn.result->torn_bytes == garbage.size());

    std::string hidden = garbage;
    std::string frame;
    AppendFrame(EncodedCommit(3, 5), &frame);
    hidden.replace(1234, frame.size(), frame);  // at an odd, unaligned offset
    REQUIRE(test::WriteFileBytes(path, log.bytes + hidden));
    ReadOutcome corrupt = Read(path);
    CHECK(absl::IsDataLoss(corrupt.result.status()));
    CHECK(Contains(corrupt.result.status().message(),
                   "follows at byte " + std::to_string(log.bytes.size() + 1234)));
  }

  TEST_CASE("file header damage and short files") {
    test::TempDir dir("log-test");
    const std::string path = dir.Join("header.mlog");
    BuiltLog log = BuildLog(8, 2);
    SUBCASE("a damaged magic is DataLoss") {
      log.bytes[2] = 'X';
      REQUIRE(test::WriteFileBytes(path, log.bytes));
      absl::StatusOr<LogReadResult> result = Read(path).result;
      CHECK(absl::IsDataLoss(result.status()));
      CHECK(Contains(result.status().message(), path + " at byte 0: bad log file header magic"));
    }
    SUBCASE("a zeroed header before frames is DataLoss") {
      std::fill_n(log.bytes.begin(), kLogFileHeaderBytes, '\0');
      REQUIRE(test::WriteFileBytes(path, log.bytes));
      CHECK(absl::IsDataLoss(Read(path).result.status()));
    }
    for (size_t size : {size_t{0}, size_t{5}, kLogFileHeaderBytes - 1}) {
      CAPTURE(size);
      REQUIRE(test::WriteFileBytes(path, log.bytes.substr(0, size)));
      ReadOutcome read = Read(path);
      REQUIRE(read.result.ok());
      CHECK(read.result->first_version == 0);
      CHECK(read.result->valid_bytes == 0);
      CHECK(read.result->frames == 0);
      CHECK(read.result->torn_bytes == size);
      CHECK_FALSE(read.result->torn_reason.empty());
    }
    REQUIRE(test::WriteFileBytes(path, std::string(kLogFileHeaderBytes, '\0')));  // the header never reached the disk
    ReadOutcome zeros = Read(path);
    REQUIRE(zeros.result.ok());
    CHECK(zeros.result->valid_bytes == 0);
    CHECK(zeros.result->torn_bytes == kLogFileHeaderBytes);
  }

  TEST_CASE("v1 and v2 files are read and say their format, other versions are DataLoss") {
    test::TempDir dir("log-test");
    const std::string path = dir.Join("versions.mlog");
    const BuiltLog log = BuildLog(7, 3);
    for (uint8_t version : {uint8_t{1}, uint8_t{2}}) {
      CAPTURE(int{version});
      std::string bytes;
      AppendLogFileHeader(7, &bytes, version);
      bytes += log.bytes.substr(kLogFileHeaderBytes);
      REQUIRE(test::WriteFileBytes(path, bytes));
      std::vector<uint8_t> seen;
      absl::StatusOr<LogReadResult> result = ReadLog(path, [&](const LogFrame& frame) {
        seen.push_back(frame.format_version);
        return absl::OkStatus();
      });
      REQUIRE(result.ok());
      CHECK(result->format_version == version);
      CHECK(seen == std::vector<uint8_t>(3, version));
    }
    for (uint8_t version : {uint8_t{0}, uint8_t{3}, uint8_t{0xFF}}) {
      CAPTURE(int{version});
      std::string bytes = log.bytes;
      bytes[7] = static_cast<char>(version);
      REQUIRE(test::WriteFileBytes(path, bytes));
      ReadOutcome read = Read(path);
      CHECK(absl::IsDataLoss(read.result.status()));
      CHECK(read.result.status().message().find(path + " at byte 7: log format version") !=
            std::string_view::npos);
      CHECK(read.frames.empty());
    }
  }

  TEST_CASE("a missing file is NotFound") {
    test::TempDir dir("log-test");
    CHECK(absl::IsNotFound(Read(dir.Join("absent.mlog")).result.status()));
  }
}

TEST_SUITE("log_writer") {
  TEST_CASE("appends, syncs and reads back") {
    test::TempDir dir("log-test");
    const std::string path = dir.Join("log-1.mlog");
    absl::StatusOr<std::unique_ptr<LogWriter>> writer = LogWriter::Create(path, 1);
    REQUIRE_MESSAGE(writer.ok(), writer.status().ToString());
    CHECK((*writer)->size() == kLogFileHeaderBytes);
    CHECK((*writer)->path() == path);
    CHECK(test::ReadFileBytes(path).size() == kLogFileHeaderBytes);  // the header is written at once
    std::string frames;
    for (uint64_t v = 1; v <= 3; ++v) AppendFrame(EncodedCommit(v, 50), &frames);
    REQUIRE((*writer)->Append(frames).ok());
    REQUIRE((*writer)->Sync().ok());
    CHECK((*writer)->size() == kLogFileHeaderBytes + frames.size());
    writer->reset();
    ReadOutcome read = Read(path);
    REQUIRE(read.result.ok());
    CHECK(read.result->first_version == 1);
    CHECK(read.result->frames == 3);
    CHECK(read.result->torn_bytes == 0);

    CHECK(absl::IsAlreadyExists(LogWriter::Create(path, 1).status()));
    CHECK(test::ReadFileBytes(path).size() == kLogFileHeaderBytes + frames.size());  // left alone
  }

  TEST_CASE("OpenForAppend truncates a torn tail and appends after it") {
    test::TempDir dir("log-test");
    const std::string path = dir.Join("log-5.mlog");
    const BuiltLog log = BuildLog(5, 3);
    std::string torn_frame;
    AppendFrame(EncodedCommit(8, 70), &torn_frame);
    REQUIRE(test::WriteFileBytes(path, log.bytes + torn_frame.substr(0, torn_frame.size() / 2)));
    ReadOutcome before = Read(path);
    REQUIRE(before.result.ok());
    REQUIRE(before.result->torn_bytes > 0);

    absl::StatusOr<std::unique_ptr<LogWriter>> writer =
        LogWriter::OpenForAppend(path, before.result->valid_bytes);
    REQUIRE_MESSAGE(writer.ok(), writer.status().ToString());
    CHECK((*writer)->size() == log.bytes.size());
    CHECK(test::ReadFileBytes(path) == log.bytes);
    REQUIRE((*writer)->Append(torn_frame).ok());
    REQUIRE((*writer)->Sync().ok());
    writer->reset();
    ReadOutcome after = Read(path);
    REQUIRE(after.result.ok());
    CHECK(after.result->frames == 4);
    CHECK(after.result->torn_bytes == 0);
    CHECK(after.frames.back().first == EncodedCommit(8, 70));
  }

  TEST_CASE("OpenForAppend refuses what it cannot append to") {
    test::TempDir dir("log-test");
    const std::string path = dir.Join("log-1.mlog");
    const BuiltLog log = BuildLog(1, 1);
    REQUIRE(test::WriteFileBytes(path, log.bytes));
    CHECK(absl::IsInvalidArgument(LogWriter::OpenForAppend(path, 0).status()));
    CHECK(absl::IsInvalidArgument(LogWriter::OpenForAppend(path, log.bytes.size() + 1).status()));
    CHECK(test::ReadFileBytes(path) == log.bytes);
    CHECK(absl::IsNotFound(LogWriter::OpenForAppend(dir.Join("absent"), 16).status()));
  }

  TEST_CASE("a failed write closes the log for good") {
    test::TempDir dir("log-test");
    const std::string path = dir.Join("log-1.mlog");
    absl::StatusOr<std::unique_ptr<LogWriter>> created = LogWriter::Create(path, 1);
    REQUIRE(created.ok());
    LogWriter& writer = **created;
    std::string first;
    AppendFrame(EncodedCommit(1, 10), &first);
    REQUIRE(writer.Append(first).ok());

    // Inject a real write(2) failure: a file size limit makes the kernel
    // write a prefix and then fail with EFBIG (SIGXFSZ ignored).
    struct rlimit saved;
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
    struct sigaction ignore = {}, previous = {};
    ignore.sa_handler = SIG_IGN;
    REQUIRE(::sigaction(SIGXFSZ, &ignore, &previous) == 0);
    struct rlimit small = saved;
    small.rlim_cur = writer.size() + 100;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::string big;
    AppendFrame(EncodedCommit(2, 1000), &big);
    const absl::Status failed = writer.Append(big);
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &saved) == 0);
    REQUIRE(::sigaction(SIGXFSZ, &previous, nullptr) == 0);

    CHECK(absl::IsUnavailable(failed));
    CHECK(Contains(failed.message(), path));
    const uint64_t size_after_failure = writer.size();
    CHECK(size_after_failure == kLogFileHeaderBytes + first.size());
    // The limit is gone, but the log must stay closed: the same error forever.
    std::string small_frame;
    AppendFrame(EncodedCommit(2, 1), &small_frame);
    CHECK(writer.Append(small_frame) == failed);
    CHECK(writer.Sync() == failed);
    CHECK(writer.Append("") == failed);
    CHECK(writer.size() == size_after_failure);

    // On disk: the good frame, then a partial one that recovery drops.
    ReadOutcome read = Read(path);
    REQUIRE(read.result.ok());
    CHECK(read.result->frames == 1);
    CHECK(read.result->valid_bytes == size_after_failure);
    CHECK(read.result->torn_bytes == 100);
  }
}

}  // namespace
}  // namespace marquee::internal
