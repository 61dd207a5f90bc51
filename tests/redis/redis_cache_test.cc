// RedisCache against a real redis-server (started per test on a free
// loopback port): round trips, the version guard, TTLs, foreign values,
// and what happens when Redis dies, hangs and comes back.
#include "marquee/redis/redis_cache.h"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "support/redis_server.h"

namespace marquee::redis {
namespace {

using marquee::test::RedisServer;

std::unique_ptr<RedisCache> Open(const RedisOptions& options) {
  absl::StatusOr<std::unique_ptr<RedisCache>> cache = OpenRedisCache(options);
  REQUIRE_MESSAGE(cache.ok(), cache.status().ToString());
  return *std::move(cache);
}

RedisOptions Local(const RedisServer& server) {
  return RedisOptions{.port = server.port()};
}

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

// One key's MultiGet result; fails the test on an error.
std::optional<RemoteCache::Hit> Get(RedisCache& cache, const std::string& key) {
  std::vector<std::string> keys = {key};
  auto hits = cache.MultiGet(keys);
  REQUIRE_MESSAGE(hits.ok(), hits.status().ToString());
  REQUIRE(hits->size() == 1);
  return (*hits)[0];
}

// How many times Redis ran `command` (from INFO commandstats).
long CommandCalls(const RedisServer& server, const std::string& command) {
  const std::string info = server.Command({"INFO", "commandstats"});
  const std::string needle = "cmdstat_" + command + ":calls=";
  const size_t at = info.find(needle);
  if (at == std::string::npos) return 0;
  return std::stol(info.substr(at + needle.size()));
}

}  // namespace

TEST_SUITE("RedisCache") {

TEST_CASE("Opening validates options and needs no server") {
  // Nothing listens on port 1.
  absl::StatusOr<std::unique_ptr<RedisCache>> cache = OpenRedisCache({.port = 1});
  REQUIRE(cache.ok());
  CHECK((*cache)->stats().connects == 0);
  CHECK(absl::IsInvalidArgument(OpenRedisCache({.port = 0}).status()));
  CHECK(absl::IsInvalidArgument(OpenRedisCache({.pool_size = 0}).status()));
}

TEST_CASE("Put then MultiGet returns the bytes and the version compressed or not") {
  RedisServer server;
  auto cache = Open(Local(server));
  const std::string incompressible = RandomBytes(1024, 1);
  const std::string compressible = Compressible(1024);
  REQUIRE(cache->Put("campaigns/raw", incompressible, 7, absl::Minutes(1)).ok());
  REQUIRE(cache->Put("campaigns/zstd", compressible, 8, absl::Minutes(1)).ok());

  auto raw = Get(*cache, "campaigns/raw");
  REQUIRE(raw.has_value());
  CHECK(raw->bytes == incompressible);
  CHECK(raw->version == 7);
  auto zstd = Get(*cache, "campaigns/zstd");
  REQUIRE(zstd.has_value());
  CHECK(zstd->bytes == compressible);
  CHECK(zstd->version == 8);

  // What Redis holds: one codec envelope under the prefixed key, the
  // version big-endian at offset 8; the default codec compresses.
  const std::string stored_raw = server.Command({"GET", "marquee:campaigns/raw"});
  CHECK(stored_raw.size() == 24 + 1024 + 4);  // header, payload, CRC
  CHECK(stored_raw.substr(0, 4) == "MQEV");
  CHECK(stored_raw.substr(8, 8) == std::string("\0\0\0\0\0\0\0\x07", 8));
  CHECK(stored_raw[5] == 0);  // flags: raw
  const std::string stored_zstd = server.Command({"GET", "marquee:campaigns/zstd"});
  CHECK(stored_zstd.substr(0, 4) == "MQEV");
  CHECK(stored_zstd.substr(8, 8) == std::string("\0\0\0\0\0\0\0\x08", 8));
  CHECK(stored_zstd[5] == 1);  // flags: zstd
  CHECK(stored_zstd.size() < 512);
  CHECK(cache->stats().puts_stored == 2);
  CHECK(cache->stats().hits == 2);
}

TEST_CASE("Absent keys are misses and an empty MultiGet costs no round trip") {
  RedisServer server;
  auto cache = Open(Local(server));
  CHECK_FALSE(Get(*cache, "nobody").has_value());
  CHECK(cache->stats().misses == 1);
  auto cold = Open({.port = 1});  // nothing listens there
  auto none = cold->MultiGet({});
  REQUIRE(none.ok());
  CHECK(none->empty());
  CHECK(cold->stats().connects == 0);
}

TEST_CASE("MultiGet of 100 keys with gaps is one MGET") {
  RedisServer server;
  auto cache = Open(Local(server));
  std::vector<std::string> keys;
  for (int i = 0; i < 100; ++i) {
    keys.push_back("k" + std::to_string(i));
    if (i % 3 != 0) {
      REQUIRE(cache->Put(keys.back(), "value-" + std::to_string(i), 100 + i, absl::Minutes(1)).ok());
    }
  }
  const long mgets_before = CommandCalls(server, "mget");
  auto hits = cache->MultiGet(keys);
  REQUIRE(hits.ok());
  REQUIRE(hits->size() == 100);
  for (int i = 0; i < 100; ++i) {
    CAPTURE(i);
    if (i % 3 == 0) {
      CHECK_FALSE((*hits)[i].has_value());
    } else {
      REQUIRE((*hits)[i].has_value());
      CHECK((*hits)[i]->bytes == "value-" + std::to_string(i));
      CHECK((*hits)[i]->version == static_cast<uint64_t>(100 + i));
    }
  }
  CHECK(CommandCalls(server, "mget") == mgets_before + 1);
  CHECK(cache->stats().hits == 66);
  CHECK(cache->stats().misses == 34);
}

TEST_CASE("Put's TTL is set in milliseconds and honoured") {
  RedisServer server;
  auto cache = Open(Local(server));
  // 1.5 s: long enough that a loaded machine reads the key before it
  // expires, short enough to wait out.
  const absl::Time put_at = absl::Now();
  REQUIRE(cache->Put("short", "v", 1, absl::Milliseconds(1500)).ok());
  REQUIRE(cache->Put("forever", "v", 1, absl::InfiniteDuration()).ok());
  REQUIRE(cache->Put("sub-ms", "v", 1, absl::Microseconds(1500)).ok());
  const long pttl = std::stol(server.Command({"PTTL", "marquee:short"}));
  CHECK(pttl > 0);
  CHECK(pttl <= 1500);
  CHECK(server.Command({"PTTL", "marquee:forever"}) == "-1");
  CHECK(std::stol(server.Command({"PTTL", "marquee:sub-ms"})) <= 2);
  CHECK(Get(*cache, "short").has_value());
  absl::SleepFor(put_at + absl::Milliseconds(1600) - absl::Now());
  CHECK_FALSE(Get(*cache, "short").has_value());
  CHECK(Get(*cache, "forever").has_value());
  CHECK(absl::IsInvalidArgument(cache->Put("k", "v", 1, absl::ZeroDuration())));
  CHECK(absl::IsInvalidArgument(cache->Put("k", "v", 1, -absl::Seconds(1))));
}

TEST_CASE("An older or equal version never replaces a newer value") {
  RedisServer server;
  auto cache = Open(Local(server));
  REQUIRE(cache->Put("k", "five", 5, absl::Minutes(1)).ok());
  REQUIRE(cache->Put("k", "four", 4, absl::Minutes(1)).ok());   // refused, not an error
  REQUIRE(cache->Put("k", "five again", 5, absl::Minutes(1)).ok());
  auto hit = Get(*cache, "k");
  REQUIRE(hit.has_value());
  CHECK(hit->bytes == "five");
  CHECK(hit->version == 5);
  CHECK(cache->stats().puts_refused == 2);
  REQUIRE(cache->Put("k", "six", 6, absl::Minutes(1)).ok());
  CHECK(Get(*cache, "k")->bytes == "six");
  // Versions compare as numbers, not as decimal strings.
  REQUIRE(cache->Put("k", "big", 0x100, absl::Minutes(1)).ok());
  REQUIRE(cache->Put("k", "small", 0xff, absl::Minutes(1)).ok());
  CHECK(Get(*cache, "k")->bytes == "big");
}

TEST_CASE("An invalidation mark refuses older Puts and accepts equal or newer ones") {
  RedisServer server;
  RedisOptions options = Local(server);
  options.invalidation_mark_ttl = absl::Seconds(30);
  auto cache = Open(options);
  REQUIRE(cache->Put("k", "v3", 3, absl::Minutes(1)).ok());
  const std::vector<KeyVersion> changes = {{.key = "k", .version = 10}, {.key = "never-cached", .version = 4}};
  REQUIRE(cache->Invalidate(changes).ok());
  CHECK(cache->stats().marks_written == 2);
  CHECK_FALSE(Get(*cache, "k").has_value());
  CHECK_FALSE(Get(*cache, "never-cached").has_value());
  const long pttl = std::stol(server.Command({"PTTL", "marquee:k"}));
  CHECK(pttl > 25'000);
  CHECK(pttl <= 30'000);

  REQUIRE(cache->Put("k", "v9", 9, absl::Minutes(1)).ok());  // a slow load of the old value
  CHECK_FALSE(Get(*cache, "k").has_value());
  REQUIRE(cache->Put("k", "v10", 10, absl::Minutes(1)).ok());  // the value the mark announced
  auto hit = Get(*cache, "k");
  REQUIRE(hit.has_value());
  CHECK(hit->bytes == "v10");
  // An older invalidation does not touch a newer value, nor an equal one.
  const std::vector<KeyVersion> old = {{.key = "k", .version = 8}, {.key = "k", .version = 10}};
  REQUIRE(cache->Invalidate(old).ok());
  CHECK(Get(*cache, "k")->bytes == "v10");
  // A newer mark over a newer mark: the newest wins.
  REQUIRE(cache->Invalidate(std::vector<KeyVersion>{{.key = "never-cached", .version = 20}}).ok());
  REQUIRE(cache->Invalidate(std::vector<KeyVersion>{{.key = "never-cached", .version = 15}}).ok());
  REQUIRE(cache->Put("never-cached", "v19", 19, absl::Minutes(1)).ok());
  CHECK_FALSE(Get(*cache, "never-cached").has_value());
  CHECK(cache->Invalidate({}).ok());
}

TEST_CASE("Values that are not our envelope read as misses and are replaced by the next Put") {
  RedisServer server;
  auto cache = Open(Local(server));
  CHECK(server.Command({"SET", "marquee:plain", "someone else's value"}) == "OK");
  // An envelope's fixed header claiming version 9, then garbage (no valid CRC).
  const std::string fake = std::string("MQEV\x01\0\0\0\0\0\0\0\0\0\0\x09", 16) + std::string(16, 'g');
  CHECK(server.Command({"SET", "marquee:fake", fake}) == "OK");
  CHECK(server.Command({"RPUSH", "marquee:list", "a"}) == "1");
  std::vector<std::string> keys = {"plain", "fake", "list"};
  auto hits = cache->MultiGet(keys);
  REQUIRE(hits.ok());
  for (const auto& hit : *hits) CHECK_FALSE(hit.has_value());
  CHECK(cache->stats().malformed_values == 2);  // the list is not a string: MGET says nil

  // The fake's header claims version 9: the guard trusts a header it can read.
  REQUIRE(cache->Put("fake", "mine", 1, absl::Minutes(1)).ok());
  CHECK(cache->stats().puts_refused == 1);
  for (const std::string& key : keys) REQUIRE(cache->Put(key, "mine", 10, absl::Minutes(1)).ok());
  CHECK(cache->stats().puts_stored == 3);
  hits = cache->MultiGet(keys);
  REQUIRE(hits.ok());
  for (const auto& hit : *hits) {
    REQUIRE(hit.has_value());
    CHECK(hit->bytes == "mine");
  }
  CHECK(server.Command({"RPUSH", "marquee:list2", "a"}) == "1");
  REQUIRE(cache->Invalidate(std::vector<KeyVersion>{{.key = "list2", .version = 2}}).ok());
  CHECK(server.Command({"TYPE", "marquee:list2"}) == "string");
}

TEST_CASE("Key prefix and database and password are applied on every connection") {
  RedisServer server({.password = "s3cret"});
  RedisOptions options{.port = server.port(), .password = "s3cret", .database = 3,
                       .key_prefix = "shop:"};
  auto cache = Open(options);
  REQUIRE(cache->Put("k", "v", 1, absl::Minutes(1)).ok());
  CHECK(Get(*cache, "k")->bytes == "v");
  const std::string keyspace = server.Command({"INFO", "keyspace"});
  CHECK(keyspace.find("db3:keys=1") != std::string::npos);
  CHECK(keyspace.find("db0:") == std::string::npos);
  CHECK(server.Command({"EVAL", "redis.call('SELECT', 3) return redis.call('EXISTS', 'shop:k')", "0"}) ==
        "1");

  options.password = "wrong";
  auto refused = Open(options);
  absl::Status status = refused->Put("k", "v", 2, absl::Minutes(1));
  CHECK(absl::IsUnavailable(status));
  CHECK(status.message().find("refused") != std::string::npos);
}

TEST_CASE("Scripts flushed from Redis are sent again (NOSCRIPT)") {
  RedisServer server;
  auto cache = Open(Local(server));
  REQUIRE(cache->Put("k", "v1", 1, absl::Minutes(1)).ok());
  REQUIRE(cache->Invalidate(std::vector<KeyVersion>{{.key = "j", .version = 1}}).ok());
  CHECK(cache->stats().script_reloads == 0);
  CHECK(server.Command({"SCRIPT", "FLUSH"}) == "OK");
  REQUIRE(cache->Put("k", "v2", 2, absl::Minutes(1)).ok());
  const std::vector<KeyVersion> two = {{.key = "a", .version = 1}, {.key = "b", .version = 1}};
  REQUIRE(cache->Invalidate(two).ok());
  CHECK(cache->stats().script_reloads == 3);
  CHECK(Get(*cache, "k")->bytes == "v2");
  // EVAL cached the script again: no more reloads.
  REQUIRE(cache->Put("k", "v3", 3, absl::Minutes(1)).ok());
  CHECK(cache->stats().script_reloads == 3);
}

TEST_CASE("A killed Redis fails calls quickly then fast and a restarted one serves again") {
  RedisServer server;
  RedisOptions options = Local(server);
  options.command_timeout = absl::Milliseconds(100);
  options.connect_timeout = absl::Milliseconds(100);
  options.retry_after = absl::Milliseconds(300);
  auto cache = Open(options);
  REQUIRE(cache->Put("k", "v1", 1, absl::Minutes(1)).ok());
  REQUIRE(Get(*cache, "k").has_value());

  server.Stop(RedisServer::StopMode::kKill);
  absl::Time start = absl::Now();
  std::vector<std::string> keys = {"k"};
  CHECK(absl::IsUnavailable(cache->MultiGet(keys).status()));
  CHECK(absl::Now() - start < absl::Milliseconds(200));
  const uint64_t connects = cache->stats().connects;
  // Within retry_after: no connection attempt at all.
  start = absl::Now();
  for (int i = 0; i < 100; ++i) {
    CHECK(absl::IsUnavailable(cache->MultiGet(keys).status()));
    CHECK(absl::IsUnavailable(cache->Put("k", "v", 2, absl::Minutes(1))));
    CHECK(absl::IsUnavailable(cache->Invalidate(std::vector<KeyVersion>{{.key = "k", .version = 2}})));
  }
  CHECK(absl::Now() - start < absl::Milliseconds(100));
  CHECK(cache->stats().connects == connects);
  CHECK(cache->stats().fast_failures >= 300);

  server.Start();
  // The restarted server lost its script cache: the next Put goes through NOSCRIPT.
  absl::SleepFor(options.retry_after);
  REQUIRE(cache->Put("k", "v2", 2, absl::Minutes(1)).ok());
  CHECK(cache->stats().script_reloads == 1);
  auto hit = Get(*cache, "k");
  REQUIRE(hit.has_value());
  CHECK(hit->bytes == "v2");
}

TEST_CASE("A restart between calls costs no error: the stale pooled connection is retried") {
  RedisServer server;
  auto cache = Open(Local(server));
  REQUIRE(cache->Put("k", "v1", 1, absl::Minutes(1)).ok());
  server.Stop(RedisServer::StopMode::kTerminate);
  server.Start();
  CHECK_FALSE(Get(*cache, "k").has_value());  // the dataset is gone, the call works
  CHECK(cache->stats().errors == 0);
}

TEST_CASE("A hung Redis times out within about twice command_timeout") {
  RedisServer server;
  RedisOptions options = Local(server);
  options.command_timeout = absl::Milliseconds(100);
  options.retry_after = absl::Milliseconds(200);
  auto cache = Open(options);
  REQUIRE(cache->Put("k", "v1", 1, absl::Minutes(1)).ok());
  server.Pause();
  absl::Time start = absl::Now();
  std::vector<std::string> keys = {"k"};
  CHECK(absl::IsUnavailable(cache->MultiGet(keys).status()));
  const absl::Duration took = absl::Now() - start;
  CHECK(took >= absl::Milliseconds(90));
  CHECK(took < absl::Milliseconds(250));
  start = absl::Now();
  CHECK(absl::IsUnavailable(cache->Put("k", "v2", 2, absl::Minutes(1))));  // fast failure
  CHECK(absl::Now() - start < absl::Milliseconds(20));
  // After retry_after one probe connects (the listen backlog accepts) but
  // times out on its command.
  absl::SleepFor(options.retry_after);
  start = absl::Now();
  CHECK(absl::IsUnavailable(cache->MultiGet(keys).status()));
  CHECK(absl::Now() - start < absl::Milliseconds(250));
  server.Resume();
  absl::SleepFor(options.retry_after);
  auto hit = Get(*cache, "k");
  REQUIRE(hit.has_value());
  CHECK(hit->version == 1);
}

TEST_CASE("Concurrent Puts and Invalidates keep the newest version" * doctest::test_suite("concurrent")) {
  RedisServer server;
  RedisOptions options = Local(server);
  constexpr int kThreads = 8;
  options.command_timeout = absl::Seconds(2);  // sanitizers are slow
  options.pool_size = kThreads;                // so no connection is ever closed
  auto cache = Open(options);
  constexpr int kKeys = 10;
  constexpr uint64_t kVersions = 60;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(t);
      for (uint64_t v = 1; v <= kVersions; ++v) {
        const std::string key = "k" + std::to_string(rng() % kKeys);
        const uint64_t version = v * kThreads + static_cast<uint64_t>(t);
        absl::Status status = (rng() % 5 == 0)
            ? cache->Invalidate(std::vector<KeyVersion>{{.key = key, .version = version}})
            : cache->Put(key, "v" + std::to_string(version), version, absl::Minutes(1));
        if (!status.ok()) failures.fetch_add(1);
        std::vector<std::string> keys = {key, "k0"};
        if (!cache->MultiGet(keys).ok()) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failures.load() == 0);
  // Per key, what Redis holds is the highest version anyone wrote or invalidated.
  for (int k = 0; k < kKeys; ++k) {
    const std::string stored = server.Command({"GET", "marquee:k" + std::to_string(k)});
    if (stored == "(nil)") continue;
    REQUIRE(stored.size() >= 16);
    uint64_t version = 0;
    for (size_t i = 8; i < 16; ++i) version = (version << 8) | static_cast<unsigned char>(stored[i]);
    auto hit = Get(*cache, "k" + std::to_string(k));
    if (hit) CHECK(hit->bytes == "v" + std::to_string(version));
    CHECK(version > 0);
  }
  // Connections are reused: at most one per thread was ever opened.
  CHECK(cache->stats().connects <= static_cast<uint64_t>(kThreads));
}

TEST_CASE("Callers racing a Redis crash and restart get values or Unavailable and nothing else" *
          doctest::test_suite("concurrent")) {
  RedisServer server;
  RedisOptions options = Local(server);
  options.retry_after = absl::Milliseconds(50);
  options.command_timeout = absl::Milliseconds(500);
  auto cache = Open(options);
  std::atomic<bool> stop{false};
  std::atomic<int> unexpected{0};
  std::atomic<int> successes{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      uint64_t version = 1;
      while (!stop.load()) {
        const std::string key = "k" + std::to_string(t);
        absl::Status status = cache->Put(key, "v", version++, absl::Minutes(1));
        std::vector<std::string> keys = {key};
        auto hits = cache->MultiGet(keys);
        for (const absl::Status& s : {status, hits.status()}) {
          if (s.ok()) {
            successes.fetch_add(1);
          } else if (!absl::IsUnavailable(s)) {
            unexpected.fetch_add(1);
          }
        }
        absl::SleepFor(absl::Milliseconds(1));
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(100));
  server.Stop();
  absl::SleepFor(absl::Milliseconds(150));
  server.Start();
  const int before = successes.load();
  absl::SleepFor(absl::Milliseconds(300));
  stop.store(true);
  for (std::thread& thread : threads) thread.join();
  CHECK(unexpected.load() == 0);
  CHECK(successes.load() > before);  // served again after the restart
}

}  // TEST_SUITE("RedisCache")

}  // namespace marquee::redis
