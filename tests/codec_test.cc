// Tests for marquee/codec.h: round trips of every kind of envelope, the
// header, dictionaries (training, retraining, missing or replaced ones),
// encryption (rotation, wrong and missing keys, the authenticated header),
// records, size limits, option validation and concurrent use.
// Corrupted and crafted envelopes are in codec_corruption_test.cc.
#include "marquee/codec.h"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "internal/envelope_format.h"

namespace marquee {
namespace {

std::string Message(const absl::Status& status) { return std::string(status.message()); }

std::string Key(char fill) { return std::string(kEncryptionKeyBytes, fill); }

// A campaign-like JSON body; `i` varies names, numbers and lists so that a
// dictionary has something to learn and something left to compress.
std::string CampaignJson(int i) {
  static const char* const kStatuses[] = {"draft", "scheduled", "active", "paused", "ended"};
  static const char* const kWords[] = {"spring",    "summer",  "flash",  "loyalty", "welcome",
                                       "clearance", "holiday", "launch", "vip",     "weekend"};
  const char* word = kWords[i % 10];
  return absl::StrCat(
      R"({"name":")", word, " sale ", i, R"(","status":")", kStatuses[i % 5], R"(","priority":)",
      i % 7, R"(,"schedule":{"start":"2024-0)", 1 + i % 9, R"(-1)", i % 10,
      R"(T09:00:00Z","end":"2024-1)", i % 3, R"(-2)", i % 8,
      R"(T23:59:59Z"},"targeting":{"segments":["seg-)", i % 13, R"(","seg-)", i % 17,
      R"("],"conditions":{"country":{"$in":["US","CA"]},"visits":{"$gte":)", i % 5,
      R"(}}},"variants":[{"key":"control","weight":50,"content":{"headline":"Our )", word,
      R"( deals are here","cta":"Shop now"}},{"key":"treatment","weight":50,"content":{)",
      R"("headline":"Save big this )", word, R"(","cta":"Get )", 10 + i % 40,
      R"(% off"}}],"tags":[")", word, R"(","promo"],"owner":"owner)", i % 23, R"(@example.com"})");
}

std::vector<std::string> Samples(int first, int count) {
  std::vector<std::string> samples;
  for (int i = first; i < first + count; ++i) samples.push_back(CampaignJson(i));
  return samples;
}

// Training costs a fraction of a second; each id is trained once per run.
const Dictionary& TrainedDictionary(uint32_t id) {
  static const Dictionary kFirst = *TrainDictionary(Samples(0, 400), 1, 4096);
  static const Dictionary kSecond = *TrainDictionary(Samples(1000, 400), 2, 2048);
  return id == 1 ? kFirst : kSecond;
}

std::unique_ptr<Codec> MakeCodec(CodecOptions options = {}) {
  absl::StatusOr<std::unique_ptr<Codec>> codec = Codec::Create(options);
  REQUIRE(codec.ok());
  return *std::move(codec);
}

std::string EncodeOk(const Codec& codec, std::string_view collection, std::string_view payload,
                     EnvelopeMeta meta = {}) {
  absl::StatusOr<std::string> envelope = codec.Encode(collection, payload, meta);
  REQUIRE(envelope.ok());
  return *std::move(envelope);
}

std::string DecodeOk(const Codec& codec, std::string_view envelope) {
  absl::StatusOr<DecodedEnvelope> decoded = codec.Decode(envelope);
  REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
  return decoded->payload;
}

TEST_SUITE("Codec round trips") {
  TEST_CASE("a payload below compress_min_bytes is stored raw") {
    auto codec = MakeCodec({.compress_min_bytes = 64});
    const std::string payload(63, 'a');  // compressible, but short
    const std::string envelope =
        EncodeOk(*codec, "campaigns", payload, {.schema = 3, .record_version = 9});
    CHECK(envelope.size() == internal::kMinEnvelopeBytes + payload.size());
    CHECK(envelope.find(payload) != std::string::npos);
    absl::StatusOr<DecodedEnvelope> decoded = codec->Decode(envelope);
    REQUIRE(decoded.ok());
    CHECK(decoded->payload == payload);
    CHECK_FALSE(decoded->header.compressed);
    CHECK_FALSE(decoded->header.dictionary_id.has_value());
    CHECK_FALSE(decoded->header.key_id.has_value());
    CHECK(decoded->header.meta == EnvelopeMeta{.schema = 3, .record_version = 9});
    CHECK(decoded->header.format_version == kEnvelopeFormatVersion);
  }

  TEST_CASE("a compressible payload is stored as a smaller zstd frame") {
    auto codec = MakeCodec();
    const std::string payload = CampaignJson(1) + CampaignJson(2) + CampaignJson(3);
    const std::string envelope = EncodeOk(*codec, "campaigns", payload);
    CHECK(envelope.size() < payload.size());
    absl::StatusOr<EnvelopeHeader> header = Codec::PeekHeader(envelope);
    REQUIRE(header.ok());
    CHECK(header->compressed);
    CHECK(header->stored_payload_bytes + internal::kMinEnvelopeBytes == envelope.size());
    CHECK(DecodeOk(*codec, envelope) == payload);
  }

  TEST_CASE("an incompressible payload above the threshold stays raw") {
    std::mt19937 rng(7);
    std::string payload(4096, '\0');
    for (char& c : payload) c = static_cast<char>(rng());
    auto codec = MakeCodec();
    const std::string envelope = EncodeOk(*codec, "campaigns", payload);
    CHECK_FALSE(Codec::PeekHeader(envelope)->compressed);
    CHECK(envelope.size() == internal::kMinEnvelopeBytes + payload.size());
    CHECK(DecodeOk(*codec, envelope) == payload);
  }

  TEST_CASE("an empty payload round trips") {
    auto codec = MakeCodec({.compress_min_bytes = 0});
    const std::string envelope = EncodeOk(*codec, "", "");
    CHECK(envelope.size() == internal::kMinEnvelopeBytes);
    CHECK(DecodeOk(*codec, envelope).empty());
  }

  TEST_CASE("a large payload round trips") {
    auto codec = MakeCodec();
    std::string payload;
    for (int i = 0; payload.size() < (size_t{8} << 20); ++i) payload += CampaignJson(i);
    const std::string envelope = EncodeOk(*codec, "campaigns", payload);
    CHECK(envelope.size() < payload.size() / 4);
    CHECK(DecodeOk(*codec, envelope) == payload);
  }

  TEST_CASE("schema and record version round trip at their extremes") {
    auto codec = MakeCodec();
    const EnvelopeMeta meta{.schema = UINT32_MAX, .record_version = UINT64_MAX};
    const std::string envelope = EncodeOk(*codec, "", "x", meta);
    CHECK(Codec::PeekHeader(envelope)->meta == meta);
    CHECK(codec->Decode(envelope)->header.meta == meta);
  }

  TEST_CASE("envelopes order by record version bytewise at offset 8") {
    auto codec = MakeCodec();
    const std::string older = EncodeOk(*codec, "", "x", {.record_version = 255});
    const std::string newer = EncodeOk(*codec, "", "x", {.record_version = 256});
    CHECK(older.substr(8, 8) < newer.substr(8, 8));
    CHECK(newer.substr(8, 8) == std::string("\0\0\0\0\0\0\x01\x00", 8));
  }
}

TEST_SUITE("Codec dictionaries") {
  TEST_CASE("TrainDictionary yields a dictionary within max_bytes") {
    absl::StatusOr<Dictionary> dictionary = TrainDictionary(Samples(0, 400), 42, 4096);
    REQUIRE(dictionary.ok());
    CHECK(dictionary->id == 42);
    CHECK(dictionary->bytes.size() >= kMinDictionaryBytes);
    CHECK(dictionary->bytes.size() <= 4096);
  }

  TEST_CASE("a collection's dictionary is used and makes envelopes smaller") {
    auto plain = MakeCodec();
    auto codec = MakeCodec();
    REQUIRE(codec->AddDictionary("campaigns", TrainedDictionary(1)).ok());
    const std::string payload = CampaignJson(5000);
    const std::string with = EncodeOk(*codec, "campaigns", payload);
    const std::string without = EncodeOk(*plain, "campaigns", payload);
    absl::StatusOr<EnvelopeHeader> header = Codec::PeekHeader(with);
    REQUIRE(header.ok());
    CHECK(header->compressed);
    CHECK(header->dictionary_id == std::optional<uint32_t>(1));
    CHECK(with.size() < without.size());
    CHECK(DecodeOk(*codec, with) == payload);
  }

  TEST_CASE("other collections compress without the dictionary") {
    auto codec = MakeCodec();
    REQUIRE(codec->AddDictionary("campaigns", TrainedDictionary(1)).ok());
    const std::string envelope = EncodeOk(*codec, "segments", CampaignJson(5000));
    CHECK(Codec::PeekHeader(envelope)->compressed);
    CHECK_FALSE(Codec::PeekHeader(envelope)->dictionary_id.has_value());
  }

  TEST_CASE("after retraining new envelopes use the newest dictionary and old ones still decode") {
    auto codec = MakeCodec();
    REQUIRE(codec->AddDictionary("campaigns", TrainedDictionary(1)).ok());
    const std::string old_envelope = EncodeOk(*codec, "campaigns", CampaignJson(7001));
    REQUIRE(codec->AddDictionary("campaigns", TrainedDictionary(2)).ok());
    const std::string new_envelope = EncodeOk(*codec, "campaigns", CampaignJson(7002));
    CHECK(Codec::PeekHeader(old_envelope)->dictionary_id == std::optional<uint32_t>(1));
    CHECK(Codec::PeekHeader(new_envelope)->dictionary_id == std::optional<uint32_t>(2));
    CHECK(DecodeOk(*codec, old_envelope) == CampaignJson(7001));
    CHECK(DecodeOk(*codec, new_envelope) == CampaignJson(7002));
  }

  TEST_CASE("decoding finds the dictionary by id, without the collection") {
    auto writer = MakeCodec();
    REQUIRE(writer->AddDictionary("campaigns", TrainedDictionary(1)).ok());
    const std::string envelope = EncodeOk(*writer, "campaigns", CampaignJson(3));
    auto reader = MakeCodec();
    REQUIRE(reader->AddDictionary("anything", TrainedDictionary(1)).ok());
    CHECK(DecodeOk(*reader, envelope) == CampaignJson(3));
  }

  TEST_CASE("a missing dictionary is FailedPrecondition naming its id") {
    auto writer = MakeCodec();
    REQUIRE(writer->AddDictionary("campaigns", TrainedDictionary(1)).ok());
    const std::string envelope = EncodeOk(*writer, "campaigns", CampaignJson(3));
    for (bool holds_other : {false, true}) {
      CAPTURE(holds_other);
      auto reader = MakeCodec();
      if (holds_other) REQUIRE(reader->AddDictionary("campaigns", TrainedDictionary(2)).ok());
      const absl::Status status = reader->Decode(envelope).status();
      CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
      CHECK(Message(status) ==
            "envelope was compressed with dictionary 1, which this codec does not hold");
    }
  }

  TEST_CASE("another dictionary under the same id is detected and never yields a wrong payload") {
    auto writer = MakeCodec();
    REQUIRE(writer->AddDictionary("campaigns", TrainedDictionary(1)).ok());
    auto reader = MakeCodec();
    Dictionary impostor = TrainedDictionary(2);
    impostor.id = 1;
    REQUIRE(reader->AddDictionary("campaigns", impostor).ok());
    for (int i = 0; i < 20; ++i) {
      const std::string envelope = EncodeOk(*writer, "campaigns", CampaignJson(9000 + i));
      const absl::Status status = reader->Decode(envelope).status();
      CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
      CHECK(Message(status).find(
                "does not decompress with the dictionary this codec holds as id 1") !=
            std::string::npos);
    }
  }

  TEST_CASE("one dictionary may serve several collections, an id with other bytes may not") {
    auto codec = MakeCodec();
    REQUIRE(codec->AddDictionary("campaigns", TrainedDictionary(1)).ok());
    CHECK(codec->AddDictionary("segments", TrainedDictionary(1)).ok());
    CHECK(Codec::PeekHeader(EncodeOk(*codec, "segments", CampaignJson(1)))->dictionary_id ==
          std::optional<uint32_t>(1));
    Dictionary other = TrainedDictionary(2);
    other.id = 1;
    const absl::Status status = codec->AddDictionary("campaigns", other);
    CHECK(status.code() == absl::StatusCode::kAlreadyExists);
    CHECK(Message(status) == "dictionary 1 is already held with other bytes");
  }

  TEST_CASE("AddDictionary rejects bad collections and bad dictionaries") {
    auto codec = MakeCodec();
    absl::Status status = codec->AddDictionary("bad name", TrainedDictionary(1));
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    status = codec->AddDictionary("campaigns", {.id = 3, .bytes = std::string(100, 'x')});
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(status) == "dictionary 3 is 100 bytes; the accepted range is 256..1048576");
    status = codec->AddDictionary("campaigns",
                                  {.id = 3, .bytes = std::string(kMaxDictionaryBytes + 1, 'x')});
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    // zstd's dictionary magic, then garbage where the entropy tables belong.
    std::string malformed = TrainedDictionary(1).bytes;
    for (size_t i = 8; i < 200; ++i) malformed[i] = static_cast<char>(0xFF);
    status = codec->AddDictionary("campaigns", {.id = 3, .bytes = malformed});
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(status).find("dictionary 3 is not a zstd dictionary zstd can load") == 0);
  }

  TEST_CASE("raw content serves as a dictionary") {
    auto codec = MakeCodec();
    std::string content;
    for (int i = 0; i < 20; ++i) content += CampaignJson(i);
    REQUIRE(codec->AddDictionary("campaigns", {.id = 77, .bytes = content}).ok());
    const std::string envelope = EncodeOk(*codec, "campaigns", CampaignJson(20));
    CHECK(Codec::PeekHeader(envelope)->dictionary_id == std::optional<uint32_t>(77));
    CHECK(DecodeOk(*codec, envelope) == CampaignJson(20));
  }

  TEST_CASE("TrainDictionary rejects what it cannot train on") {
    absl::StatusOr<Dictionary> result = TrainDictionary({}, 1);
    CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(result.status()) == "no samples to train a dictionary on");
    result = TrainDictionary(Samples(0, 10), 1, 100);
    CHECK(Message(result.status()) ==
          "dictionary max_bytes is 100; the accepted range is 256..1048576");
    result = TrainDictionary(Samples(0, 10), 1, kMaxDictionaryBytes + 1);
    CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
    result = TrainDictionary({"a", "bc", "def"}, 1);
    CHECK(result.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(Message(result.status()).find("cannot train a dictionary on 3 samples of 6 bytes") == 0);
  }
}

TEST_SUITE("Codec encryption") {
  CodecOptions Keys(std::vector<EncryptionKey> keys, std::optional<uint32_t> active) {
    return {.keys = std::move(keys), .active_key_id = active};
  }

  TEST_CASE("encrypted envelopes round trip and hide the payload") {
    for (bool compressible : {false, true}) {
      CAPTURE(compressible);
      auto codec = MakeCodec(Keys({{.id = 5, .key = Key('k')}}, 5));
      const std::string payload = compressible ? CampaignJson(1) : std::string("short secret");
      const std::string envelope =
          EncodeOk(*codec, "campaigns", payload, {.schema = 2, .record_version = 3});
      CHECK(envelope.find(compressible ? "sale" : "secret") == std::string::npos);
      absl::StatusOr<DecodedEnvelope> decoded = codec->Decode(envelope);
      REQUIRE(decoded.ok());
      CHECK(decoded->payload == payload);
      CHECK(decoded->header.key_id == std::optional<uint32_t>(5));
      CHECK(decoded->header.compressed == compressible);
      CHECK(decoded->header.meta == EnvelopeMeta{.schema = 2, .record_version = 3});
    }
  }

  TEST_CASE("each envelope gets its own nonce") {
    auto codec = MakeCodec(Keys({{.id = 5, .key = Key('k')}}, 5));
    const std::string a = EncodeOk(*codec, "", "same payload");
    const std::string b = EncodeOk(*codec, "", "same payload");
    CHECK(a.size() == b.size());
    CHECK(a != b);
    const size_t nonce_at = internal::kEnvelopeFixedHeaderBytes + internal::kEnvelopeKeyIdBytes;
    CHECK(a.substr(nonce_at, internal::kEnvelopeNonceBytes) !=
          b.substr(nonce_at, internal::kEnvelopeNonceBytes));
  }

  TEST_CASE("a forked child never reuses the parent's nonces") {
    auto codec = MakeCodec(Keys({{.id = 5, .key = Key('k')}}, 5));
    const size_t nonce_at = internal::kEnvelopeFixedHeaderBytes + internal::kEnvelopeKeyIdBytes;
    auto nonce_of = [&](const std::string& envelope) {
      return envelope.substr(nonce_at, internal::kEnvelopeNonceBytes);
    };
    (void)EncodeOk(*codec, "", "warm up the nonce pool");
    int pipe_fds[2];
    REQUIRE(pipe(pipe_fds) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // The child: send the nonce of its first envelope, then leave at once.
      absl::StatusOr<std::string> envelope = codec->Encode("", "from the child", {});
      const std::string nonce =
          envelope.ok() ? envelope->substr(nonce_at, internal::kEnvelopeNonceBytes) : "";
      const bool sent =
          write(pipe_fds[1], nonce.data(), nonce.size()) == static_cast<ssize_t>(nonce.size());
      _exit(sent && envelope.ok() ? 0 : 1);
    }
    close(pipe_fds[1]);
    const std::string parent_nonce = nonce_of(EncodeOk(*codec, "", "from the parent"));
    std::string child_nonce(internal::kEnvelopeNonceBytes, '\0');
    const ssize_t got = read(pipe_fds[0], child_nonce.data(), child_nonce.size());
    close(pipe_fds[0]);
    int child_status = 0;
    REQUIRE(waitpid(child, &child_status, 0) == child);
    REQUIRE(WIFEXITED(child_status));
    CHECK(WEXITSTATUS(child_status) == 0);
    REQUIRE(got == static_cast<ssize_t>(internal::kEnvelopeNonceBytes));
    CHECK(child_nonce != parent_nonce);
  }

  TEST_CASE("encryption with a dictionary round trips") {
    auto codec = MakeCodec(Keys({{.id = 5, .key = Key('k')}}, 5));
    REQUIRE(codec->AddDictionary("campaigns", TrainedDictionary(1)).ok());
    const std::string envelope = EncodeOk(*codec, "campaigns", CampaignJson(4242));
    absl::StatusOr<EnvelopeHeader> header = Codec::PeekHeader(envelope);
    REQUIRE(header.ok());
    CHECK(header->dictionary_id == std::optional<uint32_t>(1));
    CHECK(header->key_id == std::optional<uint32_t>(5));
    CHECK(DecodeOk(*codec, envelope) == CampaignJson(4242));
  }

  TEST_CASE("keys rotate: old envelopes decode under their key id, new ones use the active key") {
    auto before = MakeCodec(Keys({{.id = 1, .key = Key('a')}}, 1));
    const std::string old_envelope = EncodeOk(*before, "", CampaignJson(1));
    auto after = MakeCodec(Keys({{.id = 1, .key = Key('a')}, {.id = 2, .key = Key('b')}}, 2));
    const std::string new_envelope = EncodeOk(*after, "", CampaignJson(2));
    CHECK(Codec::PeekHeader(new_envelope)->key_id == std::optional<uint32_t>(2));
    CHECK(DecodeOk(*after, old_envelope) == CampaignJson(1));
    CHECK(DecodeOk(*after, new_envelope) == CampaignJson(2));
  }

  TEST_CASE("a missing key is FailedPrecondition naming the key id") {
    auto writer = MakeCodec(Keys({{.id = 1, .key = Key('a')}}, 1));
    const std::string envelope = EncodeOk(*writer, "", "payload");
    auto other_keys = MakeCodec(Keys({{.id = 3, .key = Key('a')}, {.id = 2, .key = Key('b')}}, 2));
    absl::Status status = other_keys->Decode(envelope).status();
    CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Message(status) ==
          "envelope is encrypted with key id 1, which this codec does not hold (it holds key ids "
          "2, 3)");
    status = MakeCodec()->Decode(envelope).status();
    CHECK(status.code() == absl::StatusCode::kFailedPrecondition);
    CHECK(Message(status) ==
          "envelope is encrypted with key id 1, which this codec does not hold (it holds no keys)");
  }

  TEST_CASE("a wrong key is PermissionDenied naming the key id") {
    auto writer = MakeCodec(Keys({{.id = 1, .key = Key('a')}}, 1));
    auto reader = MakeCodec(Keys({{.id = 1, .key = Key('z')}}, std::nullopt));
    for (const std::string& payload : {std::string("tiny"), CampaignJson(1)}) {
      const absl::Status status = reader->Decode(EncodeOk(*writer, "", payload)).status();
      CHECK(status.code() == absl::StatusCode::kPermissionDenied);
      CHECK(Message(status) ==
            "envelope does not authenticate under key id 1: the key configured with that id is "
            "not the one it was sealed with, or the envelope was forged");
    }
  }

  TEST_CASE("the header is authenticated: a forged header with a valid checksum is refused") {
    auto codec = MakeCodec(Keys({{.id = 1, .key = Key('a')}}, 1));
    const std::string envelope =
        EncodeOk(*codec, "", "payload", {.schema = 1, .record_version = 10});
    // Raise the record version and fix the checksum, as a forger would.
    std::string forged = envelope.substr(0, envelope.size() - internal::kEnvelopeChecksumBytes);
    forged[15] = static_cast<char>(forged[15] + 1);
    internal::AppendEnvelopeChecksum(&forged);
    REQUIRE(Codec::PeekHeader(forged)->meta.record_version == 11);
    CHECK(codec->Decode(forged).status().code() == absl::StatusCode::kPermissionDenied);
  }

  TEST_CASE("keys without an active one only decode") {
    auto writer = MakeCodec(Keys({{.id = 1, .key = Key('a')}}, 1));
    auto reader = MakeCodec(Keys({{.id = 1, .key = Key('a')}}, std::nullopt));
    const std::string plain = EncodeOk(*reader, "", "payload");
    CHECK_FALSE(Codec::PeekHeader(plain)->key_id.has_value());
    CHECK(DecodeOk(*reader, EncodeOk(*writer, "", "payload")) == "payload");
  }
}

TEST_SUITE("Codec records") {
  Record MakeRecord(int i) {
    Record record{
        .collection = "campaigns", .id = absl::StrCat("c", i), .version = 100u + i, .schema = 4};
    record.body = *Json::Parse(CampaignJson(i));
    return record;
  }

  TEST_CASE("EncodeRecord and DecodeRecord keep body schema and version") {
    auto codec = MakeCodec({.keys = {{.id = 1, .key = Key('a')}}, .active_key_id = 1});
    REQUIRE(codec->AddDictionary("campaigns", TrainedDictionary(1)).ok());
    const Record record = MakeRecord(12);
    absl::StatusOr<std::string> envelope = codec->EncodeRecord(record);
    REQUIRE(envelope.ok());
    CHECK(Codec::PeekHeader(*envelope)->dictionary_id == std::optional<uint32_t>(1));
    absl::StatusOr<DecodedRecord> decoded = codec->DecodeRecord(*envelope);
    REQUIRE(decoded.ok());
    CHECK(decoded->body == record.body);
    CHECK(decoded->meta == EnvelopeMeta{.schema = 4, .record_version = 112});
  }

  TEST_CASE("DecodeRecord of a small raw body round trips") {
    auto codec = MakeCodec();
    Record record{.collection = "flags", .id = "f", .version = 1};
    record.body = *Json::Parse(R"({"on":true})");
    absl::StatusOr<DecodedRecord> decoded = codec->DecodeRecord(*codec->EncodeRecord(record));
    REQUIRE(decoded.ok());
    CHECK(decoded->body.text() == R"({"on":true})");
  }

  TEST_CASE("DecodeRecord of a payload that is not JSON is DataLoss") {
    auto codec = MakeCodec();
    for (const std::string& payload : {std::string("not json"), std::string(200, '{')}) {
      const absl::Status status =
          codec->DecodeRecord(EncodeOk(*codec, "campaigns", payload)).status();
      CHECK(status.code() == absl::StatusCode::kDataLoss);
      CHECK(Message(status).find("envelope payload is not a valid JSON body: ") == 0);
    }
  }
}

// What DecodeRecord must refuse: crafted envelopes whose checksum is right
// but whose payload is not JSON, encrypted ones whose payload is authentic
// but not JSON, and everything in between, raw or compressed.
TEST_SUITE("Codec records: payloads that are not JSON") {
  const std::vector<std::string>& NotJson() {
    static const std::vector<std::string> payloads = {
        "", " ", "not json", "{\"a\":1", "{\"a\":1}}", "{\"a\":1}x", std::string("{}\0", 3),
        "[1,]", "{\"a\":01}", "{\"a\":\"\x01\"}", "\"\xff\"", "\"\xed\xa0\x80\"",
        R"("\ud800")", R"("\q")", "{'a':1}", "[tru]", std::string(65, '[') + std::string(65, ']'),
        // Long and repetitive: stored as a zstd frame.
        "[" + std::string(300, '1') + ",]", std::string(200, '{')};
    return payloads;
  }

  // An unencrypted, uncompressed envelope around `payload` with a correct
  // checksum, written without the codec, as a forger with write access to
  // the log, a snapshot or Redis could.
  std::string Forged(std::string_view payload) {
    EnvelopeHeader header{.format_version = kEnvelopeFormatVersion,
                          .meta = {.schema = 1, .record_version = 7},
                          .stored_payload_bytes = payload.size()};
    std::string bytes;
    internal::AppendEnvelopeHeader(header, "", &bytes);
    bytes.append(payload);
    internal::AppendEnvelopeChecksum(&bytes);
    return bytes;
  }

  void CheckDataLoss(const absl::Status& status) {
    CHECK(status.code() == absl::StatusCode::kDataLoss);
    CHECK(Message(status).rfind(
              "envelope payload is not a valid JSON body: invalid JSON at byte ", 0) == 0);
  }

  TEST_CASE("a forged envelope with a valid checksum and an invalid payload is DataLoss") {
    auto codec = MakeCodec();
    for (const std::string& payload : NotJson()) {
      CAPTURE(payload);
      const std::string envelope = Forged(payload);
      REQUIRE(codec->Decode(envelope).ok());  // the envelope itself is fine
      CheckDataLoss(codec->DecodeRecord(envelope).status());
    }
  }

  TEST_CASE("an authentic encrypted envelope with a payload that is not JSON is DataLoss") {
    // GCM proves who sealed the bytes, not that they are a record body:
    // Encode seals any payload under the same key.
    auto codec = MakeCodec({.keys = {{.id = 3, .key = Key('k')}}, .active_key_id = 3});
    REQUIRE(codec->AddDictionary("campaigns", TrainedDictionary(1)).ok());
    for (const std::string& payload : NotJson()) {
      CAPTURE(payload);
      for (const char* collection : {"campaigns", "other"}) {
        const std::string envelope = EncodeOk(*codec, collection, payload);
        CHECK(Codec::PeekHeader(envelope)->key_id == std::optional<uint32_t>(3));
        CheckDataLoss(codec->DecodeRecord(envelope).status());
      }
    }
  }

  TEST_CASE("a valid payload that is not minified decodes to its minified form") {
    auto codec = MakeCodec({.keys = {{.id = 3, .key = Key('k')}}, .active_key_id = 3});
    const std::string pretty = "{\n  \"name\": \"caf\xc3\xa9 \\u00e9\",\n  \"n\": [1, 2]\n}\n";
    for (const std::string& envelope : {Forged(pretty), EncodeOk(*codec, "campaigns", pretty)}) {
      absl::StatusOr<DecodedRecord> decoded = codec->DecodeRecord(envelope);
      REQUIRE_MESSAGE(decoded.ok(), decoded.status().ToString());
      CHECK(decoded->body.text() == "{\"name\":\"caf\xc3\xa9 \\u00e9\",\"n\":[1,2]}");
      CHECK(decoded->body == *Json::Parse(pretty));
    }
  }
}

TEST_SUITE("Codec limits and options") {
  TEST_CASE("Encode refuses a payload above max_payload_bytes") {
    auto codec = MakeCodec({.max_payload_bytes = 1000});
    CHECK(codec->max_payload_bytes() == 1000);
    CHECK(codec->Encode("", std::string(1000, 'x'), {}).ok());
    const absl::Status status = codec->Encode("", std::string(1001, 'x'), {}).status();
    CHECK(status.code() == absl::StatusCode::kOutOfRange);
    CHECK(Message(status) == "payload is 1001 bytes; max_payload_bytes is 1000");
  }

  TEST_CASE("Decode refuses a payload above max_payload_bytes before inflating it") {
    auto writer = MakeCodec();
    auto reader = MakeCodec({.max_payload_bytes = 1000});
    // A compressed frame that declares 1 MiB of content.
    const std::string compressed = EncodeOk(*writer, "", std::string(size_t{1} << 20, 'x'));
    REQUIRE(Codec::PeekHeader(compressed)->compressed);
    absl::Status status = reader->Decode(compressed).status();
    CHECK(status.code() == absl::StatusCode::kOutOfRange);
    CHECK(Message(status) ==
          "envelope payload decompresses to 1048576 bytes; max_payload_bytes is 1000");
    std::mt19937 rng(1);
    std::string noise(2000, '\0');
    for (char& c : noise) c = static_cast<char>(rng());
    const std::string raw = EncodeOk(*writer, "", noise);
    REQUIRE_FALSE(Codec::PeekHeader(raw)->compressed);
    status = reader->Decode(raw).status();
    CHECK(status.code() == absl::StatusCode::kOutOfRange);
    CHECK(Message(status) == "payload is 2000 bytes; max_payload_bytes is 1000");
  }

  TEST_CASE("Create rejects bad options naming them") {
    struct Case {
      CodecOptions options;
      std::string message;
    };
    const std::vector<Case> cases = {
        {{.compression_level = 23}, "compression_level 23 is outside zstd's range -131072..22"},
        {{.compression_level = -200000},
         "compression_level -200000 is outside zstd's range -131072..22"},
        {{.max_payload_bytes = 0}, "max_payload_bytes is 0; the accepted range is 1..1073741824"},
        {{.max_payload_bytes = kMaxEnvelopePayloadBytes + 1},
         "max_payload_bytes is 1073741825; the accepted range is 1..1073741824"},
        {{.keys = {{.id = 4, .key = std::string(16, 'k')}}},
         "encryption key 4 is 16 bytes; AES-256 needs exactly 32"},
        {{.keys = {{.id = 4, .key = ""}}}, "encryption key 4 is 0 bytes; AES-256 needs exactly 32"},
        {{.keys = {{.id = 4, .key = Key('a')}, {.id = 4, .key = Key('b')}}},
         "two encryption keys have id 4; ids must be distinct"},
        {{.keys = {{.id = 4, .key = Key('a')}}, .active_key_id = 5},
         "active_key_id 5 is not among the keys (ids 4)"},
        {{.active_key_id = 0}, "active_key_id 0 is not among the keys (none configured)"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.message);
      absl::StatusOr<std::unique_ptr<Codec>> codec = Codec::Create(c.options);
      CHECK(codec.status().code() == absl::StatusCode::kInvalidArgument);
      CHECK(Message(codec.status()) == c.message);
    }
    CHECK(Codec::Create({.compression_level = -5}).ok());
    CHECK(Codec::Create({.compression_level = 22, .max_payload_bytes = kMaxEnvelopePayloadBytes})
              .ok());
  }

  TEST_CASE("every compression level round trips") {
    for (int level : {-5, 1, 3, 9, 19}) {
      CAPTURE(level);
      auto codec = MakeCodec({.compression_level = level});
      REQUIRE(codec->AddDictionary("campaigns", TrainedDictionary(1)).ok());
      CHECK(DecodeOk(*codec, EncodeOk(*codec, "campaigns", CampaignJson(level + 50))) ==
            CampaignJson(level + 50));
      CHECK(DecodeOk(*codec, EncodeOk(*codec, "other", CampaignJson(level + 50))) ==
            CampaignJson(level + 50));
    }
  }
}

TEST_CASE("concurrent encode and decode while dictionaries are added" *
          doctest::test_suite("concurrent")) {
  auto codec = MakeCodec({.keys = {{.id = 1, .key = Key('a')}}, .active_key_id = 1});
  REQUIRE(codec->AddDictionary("campaigns", TrainedDictionary(1)).ok());
  constexpr int kThreads = 4;
  constexpr int kRounds = 300;
  std::atomic<int> failures{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kRounds; ++i) {
        const std::string payload = CampaignJson(t * kRounds + i);
        const char* collection = (i % 3 == 0) ? "segments" : "campaigns";
        absl::StatusOr<std::string> envelope =
            codec->Encode(collection, payload, {.record_version = static_cast<uint64_t>(i)});
        if (!envelope.ok()) {
          failures.fetch_add(1);
          continue;
        }
        absl::StatusOr<DecodedEnvelope> decoded = codec->Decode(*envelope);
        if (!decoded.ok() || decoded->payload != payload ||
            decoded->header.meta.record_version != static_cast<uint64_t>(i)) {
          failures.fetch_add(1);
        }
      }
    });
  }
  // Retraining while the others run: the newest dictionary takes over.
  threads.emplace_back([&] {
    while (!go.load()) std::this_thread::yield();
    if (!codec->AddDictionary("campaigns", TrainedDictionary(2)).ok()) failures.fetch_add(1);
    if (!codec->AddDictionary("segments", TrainedDictionary(1)).ok()) failures.fetch_add(1);
  });
  go.store(true);
  for (std::thread& thread : threads) thread.join();
  CHECK(failures.load() == 0);
  CHECK(Codec::PeekHeader(EncodeOk(*codec, "campaigns", CampaignJson(1)))->dictionary_id ==
        std::optional<uint32_t>(2));
}

}  // namespace
}  // namespace marquee
