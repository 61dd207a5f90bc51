// What the L2 stores (a Codec envelope or a 16-byte invalidation mark) and
// the invalidation bus message format: round trips, and hostile inputs
// (truncated, garbage, foreign keys) that must be classified and never
// crash or yield plaintext.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "marquee/cache_tier.h"
#include "marquee/codec.h"
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

std::unique_ptr<Codec> MakeCodec(const CodecOptions& options) {
  absl::StatusOr<std::unique_ptr<Codec>> codec = Codec::Create(options);
  REQUIRE_MESSAGE(codec.ok(), codec.status().ToString());
  return *std::move(codec);
}

std::string Encode(const Codec& codec, std::string_view bytes, uint64_t version,
                   std::string_view collection = "") {
  absl::StatusOr<std::string> envelope =
      codec.Encode(collection, bytes, EnvelopeMeta{.record_version = version});
  REQUIRE_MESSAGE(envelope.ok(), envelope.status().ToString());
  return *std::move(envelope);
}

EncryptionKey Key(uint32_t id, char fill) {
  return EncryptionKey{.id = id, .key = std::string(kEncryptionKeyBytes, fill)};
}

}  // namespace

TEST_SUITE("StoredValue") {

TEST_CASE("VersionBytes is 8 big-endian bytes that sort bytewise like the numbers") {
  CHECK(VersionBytes(0) == std::string(8, '\0'));
  CHECK(VersionBytes(0x0102030405060708) == "\x01\x02\x03\x04\x05\x06\x07\x08");
  CHECK(VersionBytes(std::numeric_limits<uint64_t>::max()) == std::string(8, '\xff'));
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10'000; ++i) {
    const uint64_t a = rng() >> (rng() % 64);
    const uint64_t b = rng() >> (rng() % 64);
    const std::string x = VersionBytes(a);
    const std::string y = VersionBytes(b);
    CHECK((a < b) == (std::memcmp(x.data(), y.data(), 8) < 0));
  }
}

TEST_CASE("A mark is MQMK then 4 zero bytes then the version and reads back as a mark") {
  const std::string mark = EncodeMark(0x00000000000000ff);
  CHECK(mark == std::string("MQMK\0\0\0\0\0\0\0\0\0\0\0\xff", 16));
  const auto codec = MakeCodec({});
  for (uint64_t version : {uint64_t{0}, uint64_t{77}, uint64_t{0x8000000000000000},
                           std::numeric_limits<uint64_t>::max()}) {
    const StoredValue read = ReadStoredValue(*codec, EncodeMark(version));
    CHECK(read.kind == StoredValue::Kind::kMark);
    CHECK(read.version == version);
    CHECK(read.bytes.empty());
  }
}

TEST_CASE("A value's envelope carries its version at the mark's offset and reads back") {
  const auto codec = MakeCodec({.compression_level = 1, .compress_min_bytes = 128});
  const std::vector<std::string> values = {"", "small", Compressible(4096), RandomBytes(1024, 1),
                                           std::string("\0\x01\xff", 3)};
  uint64_t version = 0x7f000000000000ff;
  for (const std::string& value : values) {
    CAPTURE(value.size());
    const std::string envelope = Encode(*codec, value, ++version);
    CHECK(envelope.substr(0, 4) == "MQEV");
    CHECK(envelope.substr(kStoredVersionOffset, kStoredVersionBytes) == VersionBytes(version));
    const StoredValue read = ReadStoredValue(*codec, envelope);
    REQUIRE_MESSAGE(read.kind == StoredValue::Kind::kValue, read.problem.ToString());
    CHECK(read.version == version);
    CHECK(read.bytes == value);
  }
}

TEST_CASE("The smallest envelope is the 28 bytes the scripts require of a value") {
  // The scripts trust "MQEV" only from 28 bytes on (redis/scripts.cc).
  const auto codec = MakeCodec({});
  CHECK(Encode(*codec, "", 1).size() == 28);
}

TEST_CASE("Bytes that are neither an envelope nor an exact mark are malformed") {
  const auto codec = MakeCodec({});
  const std::string good = Encode(*codec, Compressible(2048), 5);
  const std::string mark = EncodeMark(5);
  const std::vector<std::string> bad = {
      "",
      "MQMK",
      mark.substr(0, 15),                                     // a mark one byte short
      mark + "x",                                             // a mark one byte long
      "MQMK" + std::string("\0\0\1\0", 4) + mark.substr(8),  // nonzero padding
      "MQE1" + std::string("0000000000000005") + std::string(1, '\0') + "value",  // pre-codec format
      "XQEV" + good.substr(4),                                // wrong magic
      good.substr(0, good.size() - 1),                        // truncated envelope
      good + "x",                                             // trailing byte
      "plain string someone SET under our key",
  };
  for (const std::string& input : bad) {
    CAPTURE(input);
    const StoredValue read = ReadStoredValue(*codec, input);
    CHECK(read.kind == StoredValue::Kind::kMalformed);
    CHECK(absl::IsDataLoss(read.problem));
  }
  for (size_t n = 0; n < good.size(); ++n) {
    CAPTURE(n);
    CHECK(ReadStoredValue(*codec, std::string_view(good).substr(0, n)).kind ==
          StoredValue::Kind::kMalformed);
  }
}

TEST_CASE("An envelope the codec cannot open is undecodable and yields no bytes") {
  const auto writer = MakeCodec({.keys = {Key(1, 'k')}, .active_key_id = 1});
  const std::string secret = "distinctive plaintext " + Compressible(512);
  const std::string envelope = Encode(*writer, secret, 9);
  CHECK(ReadStoredValue(*writer, envelope).bytes == secret);

  SUBCASE("no key with that id") {
    const StoredValue read = ReadStoredValue(*MakeCodec({}), envelope);
    CHECK(read.kind == StoredValue::Kind::kUndecodable);
    CHECK(absl::IsFailedPrecondition(read.problem));
    CHECK(read.bytes.empty());
  }
  SUBCASE("another key under that id") {
    const StoredValue read = ReadStoredValue(*MakeCodec({.keys = {Key(1, 'x')}}), envelope);
    CHECK(read.kind == StoredValue::Kind::kUndecodable);
    CHECK(absl::IsPermissionDenied(read.problem));
    CHECK(read.bytes.empty());
  }
  SUBCASE("a dictionary the reader does not hold") {
    const auto with_dictionary = MakeCodec({});
    REQUIRE(with_dictionary->AddDictionary("campaigns", {.id = 3, .bytes = Compressible(1024)}).ok());
    const std::string compressed = Encode(*with_dictionary, Compressible(4096), 4, "campaigns");
    REQUIRE(Codec::PeekHeader(compressed)->dictionary_id == 3u);
    const StoredValue read = ReadStoredValue(*MakeCodec({}), compressed);
    CHECK(read.kind == StoredValue::Kind::kUndecodable);
    CHECK(absl::IsFailedPrecondition(read.problem));
  }
}

TEST_CASE("Random garbage never crashes the reader") {
  const auto codec = MakeCodec({.keys = {Key(1, 'k')}, .active_key_id = 1});
  const std::string good = Encode(*codec, Compressible(512), 3);
  std::mt19937_64 rng(11);
  for (int i = 0; i < 20'000; ++i) {
    std::string input;
    switch (i % 3) {
      case 0: input = RandomBytes(rng() % 64, rng()); break;
      case 1: input = "MQMK" + RandomBytes(rng() % 24, rng()); break;
      default: {
        // A real envelope with one byte changed or cut short.
        input = good;
        if (rng() % 2 == 0) {
          input[rng() % input.size()] ^= static_cast<char>(1 + rng() % 255);
        } else {
          input.resize(rng() % input.size());
        }
      }
    }
    const StoredValue read = ReadStoredValue(*codec, input);
    if (read.kind == StoredValue::Kind::kMalformed) CHECK(absl::IsDataLoss(read.problem));
    CHECK(read.kind != StoredValue::Kind::kValue);  // the CRC catches every single-byte change
  }
}

}  // TEST_SUITE("StoredValue")

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
