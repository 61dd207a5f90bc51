// RedisCache on the Codec envelope, against a real redis-server: values
// through a codec with a dictionary and with AES-256-GCM (what Redis holds,
// read back with a raw GET), readers missing the key, the Lua scripts'
// version order on versions whose bytes are 0x00, 0x7f, 0x80 and 0xff, and
// garbage under our keys.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "marquee/codec.h"
#include "marquee/redis/redis_cache.h"
#include "support/redis_server.h"

namespace marquee::redis {
namespace {

using marquee::test::RedisServer;

constexpr absl::Duration kTtl = absl::Minutes(1);

std::unique_ptr<RedisCache> Open(const RedisOptions& options) {
  absl::StatusOr<std::unique_ptr<RedisCache>> cache = OpenRedisCache(options);
  REQUIRE_MESSAGE(cache.ok(), cache.status().ToString());
  return *std::move(cache);
}

std::shared_ptr<const Codec> MakeCodec(const CodecOptions& options,
                                       std::vector<std::pair<std::string, Dictionary>> dicts = {}) {
  absl::StatusOr<std::unique_ptr<Codec>> codec = Codec::Create(options);
  REQUIRE_MESSAGE(codec.ok(), codec.status().ToString());
  for (auto& [collection, dictionary] : dicts) {
    REQUIRE((*codec)->AddDictionary(collection, std::move(dictionary)).ok());
  }
  return std::shared_ptr<const Codec>(*std::move(codec));
}

EncryptionKey Key(uint32_t id, char fill) {
  return EncryptionKey{.id = id, .key = std::string(kEncryptionKeyBytes, fill)};
}

std::string CampaignJson(int n) {
  std::string text = "[";
  for (int i = 0; i < n; ++i) {
    text += R"({"campaign":"spring-sale-)" + std::to_string(i) +
            R"(","priority":5,"variants":["control","treatment"],"status":"active"},)";
  }
  text.back() = ']';
  return text;
}

std::optional<RemoteCache::Hit> Get(RedisCache& cache, const std::string& key) {
  std::vector<std::string> keys = {key};
  auto hits = cache.MultiGet(keys);
  REQUIRE_MESSAGE(hits.ok(), hits.status().ToString());
  return (*hits)[0];
}

// The version Redis holds under `key` (value or mark), from offset 8.
uint64_t StoredVersion(const RedisServer& server, const std::string& key) {
  const std::string stored = server.Command({"GET", "marquee:" + key});
  REQUIRE(stored.size() >= 16);
  uint64_t version = 0;
  for (size_t i = 8; i < 16; ++i) version = (version << 8) | static_cast<unsigned char>(stored[i]);
  return version;
}

// Invalidates one key; fails the test on an error.
void Mark(RedisCache& cache, const std::string& key, uint64_t version) {
  REQUIRE(cache.Invalidate(std::vector<KeyVersion>{{.key = key, .version = version}}).ok());
}

bool IsMark(const RedisServer& server, const std::string& key) {
  return server.Command({"GET", "marquee:" + key}).starts_with("MQMK");
}

}  // namespace

TEST_SUITE("RedisCache codec") {

TEST_CASE("Values round trip through a codec with a dictionary") {
  RedisServer server;
  auto codec = MakeCodec({}, {{"campaigns", {.id = 7, .bytes = CampaignJson(20)}}});
  auto cache = Open({.port = server.port(), .codec = codec, .codec_collection = "campaigns"});
  const std::string value = CampaignJson(3);
  REQUIRE(cache->Put("campaigns/spring", value, 42, kTtl).ok());

  const std::string stored = server.Command({"GET", "marquee:campaigns/spring"});
  absl::StatusOr<EnvelopeHeader> header = Codec::PeekHeader(stored);
  REQUIRE_MESSAGE(header.ok(), header.status().ToString());
  CHECK(header->dictionary_id == 7u);
  CHECK(header->meta.record_version == 42);
  CHECK(stored.size() < value.size() / 2);  // the dictionary knows this JSON

  auto hit = Get(*cache, "campaigns/spring");
  REQUIRE(hit.has_value());
  CHECK(hit->bytes == value);
  CHECK(hit->version == 42);

  // A reader without the dictionary: a miss, counted, and still working.
  auto plain = Open({.port = server.port()});
  CHECK_FALSE(Get(*plain, "campaigns/spring").has_value());
  CHECK(plain->stats().undecodable_values == 1);
  CHECK(plain->stats().malformed_values == 0);
  CHECK(plain->stats().last_undecodable.find("dictionary 7") != std::string::npos);
}

TEST_CASE("A value larger than the codec accepts is InvalidArgument before any round trip") {
  // Nothing listens on port 1: the Put must fail before connecting.
  auto cache = Open({.port = 1, .codec = MakeCodec({.max_payload_bytes = 1024})});
  const absl::Status status = cache->Put("k", std::string(1025, 'x'), 1, kTtl);
  CHECK(absl::IsInvalidArgument(status));
  CHECK(status.message().find("1025") != std::string::npos);
  CHECK(cache->stats().connects == 0);
  CHECK(cache->stats().errors == 0);
}

TEST_CASE("Encrypted values hold no plaintext in Redis and round trip") {
  RedisServer server;
  auto codec = MakeCodec({.keys = {Key(1, 'k')}, .active_key_id = 1});
  auto cache = Open({.port = server.port(), .codec = codec});
  const std::string distinctive = "WINTER-PROMO-SECRET-4711";
  const std::string small = R"({"code":")" + distinctive + R"("})";  // raw: below compress_min_bytes
  const std::string large = CampaignJson(10) + distinctive;
  REQUIRE(cache->Put("small", small, 1, kTtl).ok());
  REQUIRE(cache->Put("large", large, 2, kTtl).ok());
  for (const std::string key : {"small", "large"}) {
    CAPTURE(key);
    const std::string stored = server.Command({"GET", "marquee:" + key});
    CHECK(stored.starts_with("MQEV"));
    CHECK(stored.find(distinctive) == std::string::npos);
    CHECK(stored.find("campaign") == std::string::npos);
    absl::StatusOr<EnvelopeHeader> header = Codec::PeekHeader(stored);
    REQUIRE(header.ok());
    CHECK(header->key_id == 1u);
  }
  CHECK(Get(*cache, "small")->bytes == small);
  CHECK(Get(*cache, "large")->bytes == large);
  CHECK(cache->stats().hits == 2);
}

TEST_CASE("A reader missing the key gets misses counted as undecodable and never plaintext") {
  RedisServer server;
  auto writer = Open(
      {.port = server.port(), .codec = MakeCodec({.keys = {Key(1, 'k')}, .active_key_id = 1})});
  const std::string value = "secret body";
  REQUIRE(writer->Put("k", value, 5, kTtl).ok());

  SUBCASE("no key with that id") {
    auto reader = Open({.port = server.port(), .codec = MakeCodec({.keys = {Key(2, 'k')}})});
    CHECK_FALSE(Get(*reader, "k").has_value());
    const RedisCacheStats stats = reader->stats();
    CHECK(stats.undecodable_values == 1);
    CHECK(stats.malformed_values == 0);
    CHECK(stats.misses == 1);
    CHECK(stats.last_undecodable.find("key id 1") != std::string::npos);
    CHECK(stats.last_undecodable.find(value) == std::string::npos);
    // The tier keeps working for this reader: a newer value replaces it.
    REQUIRE(reader->Put("k", "readable", 6, kTtl).ok());
    CHECK(Get(*reader, "k")->bytes == "readable");
  }
  SUBCASE("another key under that id") {
    auto reader = Open({.port = server.port(), .codec = MakeCodec({.keys = {Key(1, 'x')}})});
    CHECK_FALSE(Get(*reader, "k").has_value());
    CHECK(reader->stats().undecodable_values == 1);
    CHECK(reader->stats().last_undecodable.find("does not authenticate") != std::string::npos);
  }
  SUBCASE("no codec at all") {
    auto reader = Open({.port = server.port()});
    CHECK_FALSE(Get(*reader, "k").has_value());
    CHECK(reader->stats().undecodable_values == 1);
  }
  // The unreadable value still guards its version: an older Put is refused.
  auto other = Open({.port = server.port()});
  REQUIRE(other->Put("k", "older", 4, kTtl).ok());
  CHECK(other->stats().puts_refused == 1);
}

TEST_CASE("The scripts order versions by their bytes as numbers") {
  RedisServer server;
  auto cache = Open({.port = server.port()});
  // (older, newer): a carry into a new byte, and bytes across the signed
  // boundary 0x7f / 0x80 and up to 0xff, with 0x00 bytes around them.
  const std::vector<std::pair<uint64_t, uint64_t>> pairs = {
      {0x00000000000000ff, 0x0000000000000100},
      {0x000000000000007f, 0x0000000000000080},
      {0x7f00000000000000, 0x8000000000000000},
      {0x7fffffffffffffff, 0x8000000000000000},
      {0x00ff00ff00ff00ff, 0x0100000000000000},
      {0xfffffffffffffffe, 0xffffffffffffffff},
      {0x0000000000000000, 0x0000000000000001},
  };
  int n = 0;
  for (const auto& [older, newer] : pairs) {
    CAPTURE(older);
    CAPTURE(newer);
    const std::string p = std::to_string(n++) + "/";

    // Puts: the newer value stays, whichever comes first.
    REQUIRE(cache->Put(p + "put-newer-first", "newer", newer, kTtl).ok());
    REQUIRE(cache->Put(p + "put-newer-first", "older", older, kTtl).ok());
    CHECK(Get(*cache, p + "put-newer-first")->bytes == "newer");
    REQUIRE(cache->Put(p + "put-older-first", "older", older, kTtl).ok());
    REQUIRE(cache->Put(p + "put-older-first", "newer", newer, kTtl).ok());
    CHECK(Get(*cache, p + "put-older-first")->bytes == "newer");

    // A mark refuses an older Put and yields to a newer one.
    Mark(*cache, p + "mark-then-put", newer);
    REQUIRE(cache->Put(p + "mark-then-put", "older", older, kTtl).ok());
    CHECK_FALSE(Get(*cache, p + "mark-then-put").has_value());
    CHECK(IsMark(server, p + "mark-then-put"));
    Mark(*cache, p + "old-mark", older);
    REQUIRE(cache->Put(p + "old-mark", "newer", newer, kTtl).ok());
    CHECK(Get(*cache, p + "old-mark")->bytes == "newer");

    // An invalidation replaces an older value, not a newer one.
    REQUIRE(cache->Put(p + "value-then-mark", "newer", newer, kTtl).ok());
    Mark(*cache, p + "value-then-mark", older);
    CHECK(Get(*cache, p + "value-then-mark")->bytes == "newer");
    REQUIRE(cache->Put(p + "old-value", "older", older, kTtl).ok());
    Mark(*cache, p + "old-value", newer);
    CHECK_FALSE(Get(*cache, p + "old-value").has_value());
    CHECK(StoredVersion(server, p + "old-value") == newer);

    // Marks over marks: the newest stays, whichever comes first.
    const std::vector<KeyVersion> marks = {{.key = p + "marks", .version = newer},
                                           {.key = p + "marks", .version = older},
                                           {.key = p + "marks2", .version = older},
                                           {.key = p + "marks2", .version = newer}};
    REQUIRE(cache->Invalidate(marks).ok());
    CHECK(StoredVersion(server, p + "marks") == newer);
    CHECK(StoredVersion(server, p + "marks2") == newer);

    // Equal versions: a Put after the mark of its own version is stored, an
    // equal value refuses a Put and an invalidation.
    Mark(*cache, p + "equal", newer);
    REQUIRE(cache->Put(p + "equal", "first", newer, kTtl).ok());
    REQUIRE(cache->Put(p + "equal", "second", newer, kTtl).ok());
    Mark(*cache, p + "equal", newer);
    auto equal = Get(*cache, p + "equal");
    REQUIRE(equal.has_value());
    CHECK(equal->bytes == "first");
    CHECK(equal->version == newer);
  }
  // Per pair: refused are put-newer-first's older Put, mark-then-put's Put
  // and the equal key's second Put.
  CHECK(cache->stats().puts_refused == 3 * pairs.size());
}

TEST_CASE("Garbage under our keys reads as malformed misses and is replaced") {
  RedisServer server;
  auto cache = Open({.port = server.port()});
  auto codec = MakeCodec({});
  absl::StatusOr<std::string> envelope = codec->Encode("", "value", {.record_version = 5});
  REQUIRE(envelope.ok());
  const std::string mark = std::string("MQMK\0\0\0\0\0\0\0\0\0\0\0\x05", 16);
  const std::vector<std::pair<std::string, std::string>> garbage = {
      {"wrong-magic", "XQEV" + envelope->substr(4)},
      {"truncated", envelope->substr(0, envelope->size() - 1)},
      {"short-mark", mark.substr(0, 15)},
      {"long-mark", mark + "x"},
      {"padded-mark", std::string("MQMK\0\0\x01\0", 8) + mark.substr(8)},
      {"pre-codec", "MQE10000000000000009" + std::string(1, '\0') + "old value"},
  };
  std::vector<std::string> keys;
  for (const auto& [key, bytes] : garbage) {
    REQUIRE(server.Command({"SET", "marquee:" + key, bytes}) == "OK");
    keys.push_back(key);
  }
  auto hits = cache->MultiGet(keys);
  REQUIRE(hits.ok());
  for (const auto& hit : *hits) CHECK_FALSE(hit.has_value());
  CHECK(cache->stats().malformed_values == garbage.size());
  CHECK(cache->stats().undecodable_values == 0);

  // The truncated envelope's header still claims version 5 (the scripts
  // read magic, length and version, not the checksum): a Put at 5 is
  // refused, one at 6 replaces it. Everything else is not ours and is replaced even at 1.
  REQUIRE(cache->Put("truncated", "mine", 5, kTtl).ok());
  CHECK(cache->stats().puts_refused == 1);
  REQUIRE(cache->Put("truncated", "mine", 6, kTtl).ok());
  for (const std::string& key : keys) {
    if (key != "truncated") REQUIRE(cache->Put(key, "mine", 1, kTtl).ok());
  }
  CHECK(cache->stats().puts_stored == garbage.size());
  hits = cache->MultiGet(keys);
  REQUIRE(hits.ok());
  for (const auto& hit : *hits) {
    REQUIRE(hit.has_value());
    CHECK(hit->bytes == "mine");
  }
  // An invalidation replaces garbage too (here: a fresh wrong-length mark).
  REQUIRE(server.Command({"SET", "marquee:bad-mark", mark.substr(0, 12)}) == "OK");
  Mark(*cache, "bad-mark", 1);
  CHECK(server.Command({"GET", "marquee:bad-mark"}) ==
        std::string("MQMK\0\0\0\0\0\0\0\0\0\0\0\x01", 16));
}

TEST_CASE("Concurrent readers of undecodable values count each one" *
          doctest::test_suite("concurrent")) {
  RedisServer server;
  auto writer = Open(
      {.port = server.port(), .codec = MakeCodec({.keys = {Key(1, 'k')}, .active_key_id = 1})});
  REQUIRE(writer->Put("sealed", "secret", 1, kTtl).ok());
  constexpr int kThreads = 4;
  constexpr int kRounds = 50;
  RedisOptions options{.port = server.port(), .pool_size = kThreads,
                       .command_timeout = absl::Seconds(2)};  // sanitizers are slow
  options.codec = MakeCodec({.keys = {Key(1, 'x')}});  // another key under id 1
  auto reader = Open(options);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::vector<std::string> keys = {"sealed", "absent"};
      for (int i = 0; i < kRounds; ++i) {
        auto hits = reader->MultiGet(keys);
        if (!hits.ok() || (*hits)[0].has_value()) failures.fetch_add(1);
        if (reader->stats().last_undecodable.empty()) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failures.load() == 0);
  const RedisCacheStats stats = reader->stats();
  CHECK(stats.undecodable_values == kThreads * kRounds);
  CHECK(stats.misses == 2 * kThreads * kRounds);
  CHECK(stats.hits == 0);
}

}  // TEST_SUITE("RedisCache codec")

}  // namespace marquee::redis
