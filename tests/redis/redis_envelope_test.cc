// The L2 value envelope and the invalidation bus message format: round
// trips, and hostile inputs (truncated, garbage, bombs) that must be
// DataLoss and never a crash or a huge allocation.
#include <doctest/doctest.h>
#include <zstd.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "marquee/cache_tier.h"
#include "redis/bus_message.h"
#include "redis/envelope.h"

namespace marquee::redis::internal {
namespace {

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  return bytes;
}

std::string Compressible(size_t n) {
  std::string text;
  while (text.size() < n) text += R"({"campaign":"spring","priority":5,"variants":["a","b"]},)";
  text.resize(n);
  return text;
}

// A zstd frame of `content` with the given frame options.
std::string Frame(const std::string& content, bool content_size, bool checksum) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, content_size ? 1 : 0);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, checksum ? 1 : 0);
  std::string out(ZSTD_compressBound(content.size()), '\0');
  const size_t written = ZSTD_compress2(cctx, out.data(), out.size(), content.data(), content.size());
  ZSTD_freeCCtx(cctx);
  REQUIRE_FALSE(ZSTD_isError(written));
  out.resize(written);
  return out;
}

std::string Header(uint64_t version, uint8_t flags) {
  return std::string(kEnvelopeMagic) + VersionHex(version) + std::string(1, static_cast<char>(flags));
}

}  // namespace

TEST_SUITE("Envelope") {

TEST_CASE("VersionHex is fixed-width lowercase and sorts like the numbers") {
  CHECK(VersionHex(0) == "0000000000000000");
  CHECK(VersionHex(0xABCDEF) == "0000000000abcdef");
  CHECK(VersionHex(std::numeric_limits<uint64_t>::max()) == "ffffffffffffffff");
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10'000; ++i) {
    const uint64_t a = rng() >> (rng() % 64);
    const uint64_t b = rng() >> (rng() % 64);
    CHECK((a < b) == (VersionHex(a) < VersionHex(b)));
  }
}

TEST_CASE("Values round trip raw or compressed") {
  const EnvelopeCompression compression{.level = 1, .min_bytes = 128};
  struct Case {
    std::string bytes;
    uint64_t version;
    uint8_t expected_flags;
  };
  const std::vector<Case> cases = {
      {"", 0, 0},
      {"small", 1, 0},                                        // below min_bytes
      {Compressible(127), 42, 0},                             // just below min_bytes
      {Compressible(1024), 43, kFlagZstd},                    // compresses
      {RandomBytes(1024, 1), 44, 0},                          // does not compress: stays raw
      {std::string("\0\x01\xff", 3), std::numeric_limits<uint64_t>::max(), 0},
      {Compressible(1 << 20), 1ull << 40, kFlagZstd},
  };
  for (const Case& c : cases) {
    CAPTURE(c.bytes.size());
    const std::string envelope = EncodeValueEnvelope(c.bytes, c.version, compression);
    REQUIRE(envelope.size() >= kEnvelopeHeaderBytes);
    CHECK(envelope.substr(0, 4) == "MQE1");
    CHECK(envelope.substr(4, 16) == VersionHex(c.version));
    CHECK(static_cast<uint8_t>(envelope[20]) == c.expected_flags);
    if (c.expected_flags == kFlagZstd) CHECK(envelope.size() < c.bytes.size());
    absl::StatusOr<DecodedEnvelope> decoded = DecodeEnvelope(envelope);
    REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
    CHECK_FALSE(decoded->mark);
    CHECK(decoded->version == c.version);
    CHECK(decoded->bytes == c.bytes);
  }
}

TEST_CASE("compress_min_bytes = SIZE_MAX never compresses") {
  const std::string envelope = EncodeValueEnvelope(
      Compressible(4096), 3, {.level = 3, .min_bytes = std::numeric_limits<size_t>::max()});
  CHECK(envelope[20] == 0);
  CHECK(envelope.size() == kEnvelopeHeaderBytes + 4096);
}

TEST_CASE("Marks round trip and carry no payload") {
  const std::string mark = EncodeMarkEnvelope(77);
  CHECK(mark.size() == kEnvelopeHeaderBytes);
  absl::StatusOr<DecodedEnvelope> decoded = DecodeEnvelope(mark);
  REQUIRE(decoded.ok());
  CHECK(decoded->mark);
  CHECK(decoded->version == 77);
  CHECK(decoded->bytes.empty());
}

TEST_CASE("Malformed headers are DataLoss") {
  const std::string good = EncodeValueEnvelope("value", 9, {});
  std::vector<std::string> bad = {
      "",
      "MQE",
      "MQE1",
      good.substr(0, kEnvelopeHeaderBytes - 1),
      "MQE2" + good.substr(4),                              // wrong format version
      "mqe1" + good.substr(4),
      "MQE1" + std::string("000000000000000G") + good.substr(20),   // not hex
      "MQE1" + std::string("00000000000000AB") + good.substr(20),   // upper case
      "MQE1" + std::string("0000000000000 09") + good.substr(20),
      Header(9, 0x04) + "value",                            // unknown flag
      Header(9, 0x03),                                      // zstd + mark
      Header(9, kFlagMark) + "x",                           // mark with payload
      "plain string someone SET under our key",
  };
  for (const std::string& input : bad) {
    CAPTURE(input);
    absl::StatusOr<DecodedEnvelope> decoded = DecodeEnvelope(input);
    CHECK(absl::IsDataLoss(decoded.status()));
  }
}

TEST_CASE("Every truncation of a compressed envelope is DataLoss") {
  const std::string envelope = EncodeValueEnvelope(Compressible(2048), 5, {});
  REQUIRE(envelope[20] == kFlagZstd);
  for (size_t n = 0; n < envelope.size(); ++n) {
    CAPTURE(n);
    CHECK(absl::IsDataLoss(DecodeEnvelope(std::string_view(envelope).substr(0, n)).status()));
  }
}

TEST_CASE("A compressed envelope with trailing bytes or a flipped bit is DataLoss") {
  const std::string envelope = EncodeValueEnvelope(Compressible(2048), 5, {});
  CHECK(absl::IsDataLoss(DecodeEnvelope(envelope + "x").status()));
  CHECK(absl::IsDataLoss(DecodeEnvelope(envelope + envelope.substr(21)).status()));  // two frames
  std::mt19937_64 rng(3);
  int failed = 0;
  for (size_t i = kEnvelopeHeaderBytes; i < envelope.size(); ++i) {
    std::string damaged = envelope;
    damaged[i] = static_cast<char>(damaged[i] ^ (1 << (rng() % 8)));
    absl::StatusOr<DecodedEnvelope> decoded = DecodeEnvelope(damaged);
    // The frame checksum catches what the structure does not.
    if (!decoded.ok()) {
      CHECK(absl::IsDataLoss(decoded.status()));
      ++failed;
    } else {
      CHECK(decoded->bytes == Compressible(2048));  // a flip zstd ignores (e.g. a reserved bit)
    }
  }
  CHECK(failed > 0);
}

TEST_CASE("Frames without a declared size or declaring more than 64 MiB are refused") {
  const std::string content = Compressible(4096);
  CHECK(absl::IsDataLoss(
      DecodeEnvelope(Header(1, kFlagZstd) + Frame(content, /*content_size=*/false, true)).status()));
  // A bomb: 65 MiB of zeros compresses to a few KiB.
  const std::string zeros((size_t{65} << 20), '\0');
  const std::string bomb = Header(1, kFlagZstd) + Frame(zeros, true, false);
  CHECK(bomb.size() < 64 * 1024);
  CHECK(absl::IsDataLoss(DecodeEnvelope(bomb).status()));
  // Exactly the limit is fine.
  const std::string limit((size_t{64} << 20), '\0');
  absl::StatusOr<DecodedEnvelope> at_limit = DecodeEnvelope(Header(1, kFlagZstd) + Frame(limit, true, true));
  REQUIRE(at_limit.ok());
  CHECK(at_limit->bytes.size() == limit.size());
}

TEST_CASE("A frame that lies about its content size is DataLoss") {
  // The header of a frame declaring 4096 bytes on the blocks of a 100-byte one.
  const std::string small = Frame(Compressible(100), true, false);
  const std::string large = Frame(Compressible(4096), true, false);
  std::string spliced = large.substr(0, 6) + small.substr(6);
  absl::StatusOr<DecodedEnvelope> decoded = DecodeEnvelope(Header(1, kFlagZstd) + spliced);
  CHECK(absl::IsDataLoss(decoded.status()));
}

TEST_CASE("Random garbage never crashes the decoder") {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20'000; ++i) {
    std::string input;
    switch (i % 3) {
      case 0: input = RandomBytes(rng() % 64, rng()); break;
      case 1: input = Header(rng(), static_cast<uint8_t>(rng() % 4)) + RandomBytes(rng() % 256, rng()); break;
      default: {
        // A real frame's magic and header, then noise.
        std::string frame = Frame(Compressible(512), true, i % 2 == 0);
        const size_t keep = 4 + rng() % (frame.size() - 4);
        input = Header(1, kFlagZstd) + frame.substr(0, keep) + RandomBytes(rng() % 64, rng());
      }
    }
    absl::StatusOr<DecodedEnvelope> decoded = DecodeEnvelope(input);
    if (!decoded.ok()) CHECK(absl::IsDataLoss(decoded.status()));
  }
}

}  // TEST_SUITE("Envelope")

TEST_SUITE("BusMessage") {

TEST_CASE("Changes round trip whatever bytes their keys hold") {
  const std::vector<KeyVersion> changes = {
      {.key = "campaigns/spring", .version = 1},
      {.key = "", .version = 0},
      {.key = std::string("tab\tnew\nline\0nul", 16), .version = std::numeric_limits<uint64_t>::max()},
      {.key = "caf\xC3\xA9", .version = 12345},
  };
  const std::vector<std::string> messages = EncodeBusMessages(changes);
  REQUIRE(messages.size() == 1);
  absl::StatusOr<std::vector<KeyVersion>> decoded = DecodeBusMessage(messages[0]);
  REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
  REQUIRE(decoded->size() == changes.size());
  for (size_t i = 0; i < changes.size(); ++i) {
    CHECK((*decoded)[i].key == changes[i].key);
    CHECK((*decoded)[i].version == changes[i].version);
  }
}

TEST_CASE("Large batches are split into several messages in order") {
  std::vector<KeyVersion> changes;
  for (uint64_t i = 0; i < 5000; ++i) {
    changes.push_back({.key = "collection/" + std::string(40, 'k') + std::to_string(i), .version = i});
  }
  const std::vector<std::string> messages = EncodeBusMessages(changes);
  CHECK(messages.size() > 1);
  uint64_t next = 0;
  for (const std::string& message : messages) {
    CHECK(message.size() < kBusMessageTargetBytes + 200);
    absl::StatusOr<std::vector<KeyVersion>> decoded = DecodeBusMessage(message);
    REQUIRE(decoded.ok());
    for (const KeyVersion& change : *decoded) {
      CHECK(change.version == next);
      CHECK(change.key == changes[next].key);
      ++next;
    }
  }
  CHECK(next == changes.size());
  CHECK(EncodeBusMessages({}).empty());
}

TEST_CASE("Malformed messages are DataLoss") {
  const std::string good = EncodeBusMessages(std::vector<KeyVersion>{{.key = "abc", .version = 7}})[0];
  const std::vector<std::string> bad = {
      "",
      "MQI1",                                      // no change
      "MQI2" + good.substr(4),
      "hello world",
      good.substr(0, good.size() - 1),             // key truncated
      good + "0",                                  // trailing bytes
      "MQI1" + std::string("000000000000000700000004abc"),   // length beyond the message
      "MQI1" + std::string("0000000000000007FFFFFFFFabc"),   // upper case
      "MQI1" + std::string("0000000000000007ffffffffabc"),   // 4 GiB key
      "MQI1" + std::string("000000000000000"),                // truncated version
  };
  for (const std::string& message : bad) {
    CAPTURE(message);
    CHECK(absl::IsDataLoss(DecodeBusMessage(message).status()));
  }
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20'000; ++i) {
    std::string message = "MQI1" + RandomBytes(rng() % 80, rng());
    absl::StatusOr<std::vector<KeyVersion>> decoded = DecodeBusMessage(message);
    if (!decoded.ok()) CHECK(absl::IsDataLoss(decoded.status()));
  }
}

}  // TEST_SUITE("BusMessage")

}  // namespace marquee::redis::internal
