// TieredCache with the Redis tier and bus, against real redis-servers
// (tests/support/redis_server.h) and, for cross-process invalidation, a
// second process (tests/redis/cache_node.cc).
#include <doctest/doctest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "marquee/memory_store.h"
#include "marquee/redis/invalidation_bus.h"
#include "marquee/redis/redis_cache.h"
#include "marquee/tiered_cache.h"
#include "support/child_process.h"
#include "support/redis_server.h"

namespace marquee {
namespace {

using test::ChildProcess;
using test::RedisServer;

std::unique_ptr<MemoryStore> OpenStore() {
  auto store = OpenMemoryStore({});
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return *std::move(store);
}

uint64_t PutValue(Store& store, const std::string& id, int n) {
  WriteBatch batch;
  batch.Put("items", id, *Json::Parse("{\"n\":" + std::to_string(n) + "}"));
  auto version = store.Write(batch);
  REQUIRE_MESSAGE(version.ok(), version.status().ToString());
  return *version;
}

// A node of this process: its tiers on the given Redis.
struct Node {
  std::unique_ptr<redis::RedisCache> remote;
  std::unique_ptr<redis::RedisInvalidationBus> bus;
  std::unique_ptr<TieredCache> cache;

  Node(Store* store, int port, CacheOptions l1 = {}) {
    redis::RedisOptions options{.port = port, .retry_after = absl::Milliseconds(100)};
    auto opened_remote = redis::OpenRedisCache(options);
    REQUIRE(opened_remote.ok());
    remote = *std::move(opened_remote);
    auto opened_bus = redis::OpenRedisInvalidationBus(options);
    REQUIRE(opened_bus.ok());
    bus = *std::move(opened_bus);
    auto opened = TieredCache::Open(store, {.l1 = l1, .remote = remote.get(), .bus = bus.get()});
    REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
    cache = *std::move(opened);
  }
};

template <class Predicate>
bool Eventually(Predicate done, absl::Duration timeout = absl::Seconds(5)) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

TEST_CASE("An L1 miss after eviction is served by L2, not the store") {
  RedisServer redis;
  auto store = OpenStore();
  uint64_t version = PutValue(*store, "wanted", 1);
  for (int i = 0; i < 200; ++i) PutValue(*store, "other" + std::to_string(i), i);
  // Room for a few records only, so reading the others evicts "wanted".
  Node node(store.get(), redis.port(), {.capacity_bytes = 4096, .shards = 1});

  REQUIRE(node.cache->Get("items", "wanted").ok());
  CHECK(node.cache->stats().store_reads == 1);
  // The L2 fill runs in the background.
  REQUIRE(Eventually([&] { return node.remote->stats().puts_stored >= 1; }));
  for (int i = 0; i < 200; ++i) REQUIRE(node.cache->Get("items", "other" + std::to_string(i)).ok());
  REQUIRE(node.cache->l1().Get("items/wanted") == nullptr);  // evicted

  uint64_t store_reads = node.cache->stats().store_reads;
  uint64_t remote_hits = node.cache->stats().remote_hits;
  auto again = node.cache->Get("items", "wanted");
  REQUIRE(again.ok());
  CHECK((*again)->version == version);
  CHECK((*again)->body.text() == R"({"n":1})");
  CHECK(node.cache->stats().store_reads == store_reads);
  CHECK(node.cache->stats().remote_hits == remote_hits + 1);
}

TEST_CASE("A write invalidates L2 too so a read through L2 gets the new version") {
  RedisServer redis;
  auto store = OpenStore();
  PutValue(*store, "a", 1);
  Node writer(store.get(), redis.port());
  REQUIRE(writer.cache->Get("items", "a").ok());
  REQUIRE(Eventually([&] { return writer.remote->stats().puts_stored >= 1; }));
  uint64_t v2 = PutValue(*store, "a", 2);
  REQUIRE(Eventually([&] { return writer.remote->stats().marks_written >= 1; }));
  // Redis holds a mark now: a reader sees a miss, never version 1.
  std::string keys[1] = {"items/a"};
  auto got = writer.remote->MultiGet(keys);
  REQUIRE(got.ok());
  CHECK_FALSE((*got)[0].has_value());
  auto fresh = writer.cache->Get("items", "a");
  REQUIRE(fresh.ok());
  CHECK((*fresh)->version == v2);
}

TEST_CASE("Cross-process: a write in one process drops the key from the other's L1 within 100 ms") {
  RedisServer redis;
  ChildProcess child({MARQUEE_CACHE_NODE, "--port", std::to_string(redis.port())});
  REQUIRE(child.ReadLine(absl::Seconds(10)) == "ready");

  // This process's node caches items/shared from its own store, at version 1.
  auto store = OpenStore();
  PutValue(*store, "shared", 1);
  Node node(store.get(), redis.port());
  REQUIRE(node.cache->Get("items", "shared").ok());
  REQUIRE(node.cache->l1().Get("items/shared") != nullptr);
  REQUIRE(Eventually([&] { return node.bus->stats().subscribes >= 1; }));

  // The two stores count versions independently; move the child's past 1 so
  // its change is newer than what this node holds (one shared store, as in
  // production, gives that by construction).
  REQUIRE(child.Ask("put warmup 0").rfind("ok ", 0) == 0);
  std::string answer = child.Ask("put shared 2");
  REQUIRE(answer.rfind("ok ", 0) == 0);
  auto acknowledged = std::chrono::steady_clock::now();
  bool dropped = Eventually([&] { return node.cache->l1().Get("items/shared") == nullptr; },
                            absl::Milliseconds(100));
  auto elapsed = std::chrono::steady_clock::now() - acknowledged;
  MESSAGE("dropped after " << std::chrono::duration<double, std::milli>(elapsed).count() << " ms");
  CHECK(dropped);
  CHECK(node.cache->stats().bus_invalidations >= 1);

  SUBCASE("and the other way round") {
    REQUIRE(child.Ask("put mine 5").rfind("ok ", 0) == 0);
    REQUIRE(child.Ask("get mine").rfind("value ", 0) == 0);
    REQUIRE(child.Ask("cached mine") == "yes");
    PutValue(*store, "x", 0);
    PutValue(*store, "y", 0);
    PutValue(*store, "z", 0);
    PutValue(*store, "mine", 6);  // this store's version is now past the child's
    CHECK(Eventually([&] { return child.Ask("cached mine") == "no"; }, absl::Milliseconds(100)));
  }
  child.WriteLine("quit");
}

TEST_CASE("Redis killed mid-test: reads keep working and L2 comes back with Redis") {
  RedisServer redis;
  auto store = OpenStore();
  for (int i = 0; i < 20; ++i) PutValue(*store, "k" + std::to_string(i), i);
  Node node(store.get(), redis.port());
  for (int i = 0; i < 20; ++i) REQUIRE(node.cache->Get("items", "k" + std::to_string(i)).ok());
  REQUIRE(Eventually([&] { return node.remote->stats().puts_stored >= 20; }));

  redis.Stop();  // SIGKILL
  // The bus notices the loss and the node flushes its L1.
  CHECK(Eventually([&] { return node.cache->stats().flushes >= 1; }));
  // Every read still answers, from the store, with the right value; writes
  // still reach this node's L1 through the store's feed.
  for (int i = 0; i < 20; ++i) {
    auto got = node.cache->Get("items", "k" + std::to_string(i));
    REQUIRE_MESSAGE(got.ok(), got.status().ToString());
    CHECK((*got)->body.text() == "{\"n\":" + std::to_string(i) + "}");
  }
  uint64_t v_new = PutValue(*store, "k0", 100);
  CHECK(Eventually([&] {
    auto got = node.cache->Get("items", "k0");
    return got.ok() && (*got)->version == v_new;
  }));
  CHECK(node.cache->stats().remote_errors > 0);

  redis.Start();  // same port, empty
  // L2 works again: a fresh read is written back to Redis, and after an L1
  // flush the next read is an L2 hit.
  CHECK(Eventually([&] { return node.bus->stats().subscribes >= 2; }));
  // (The first fills may still meet the circuit breaker's fast-fail window:
  // each attempt starts from an empty L1 so it reads through again.)
  REQUIRE(Eventually([&] {
    node.cache->l1().Clear();
    (void)node.cache->Get("items", "k5");
    return node.remote->stats().puts_stored >= 21;
  }));
  node.cache->l1().Clear();
  uint64_t remote_hits = node.cache->stats().remote_hits;
  auto got = node.cache->Get("items", "k5");
  REQUIRE(got.ok());
  CHECK((*got)->body.text() == R"({"n":5})");
  CHECK(node.cache->stats().remote_hits == remote_hits + 1);
}

TEST_CASE("Invalidations Redis missed are delivered once it is back without any read or write") {
  RedisServer redis;
  auto store = OpenStore();
  PutValue(*store, "idle", 1);
  Node node(store.get(), redis.port());
  REQUIRE(node.cache->Get("items", "idle").ok());

  redis.Stop();  // SIGKILL
  PutValue(*store, "idle", 2);  // L2 cannot be told: the change stays pending
  REQUIRE(Eventually([&] { return node.cache->stats().pending_invalidations == 1; }));

  redis.Start();
  // Nothing reads or writes "idle" any more: the background retry alone
  // delivers the invalidation (before, it waited for the next read or
  // change, and a stale L2 value could outlive the outage by remote_ttl).
  CHECK(Eventually([&] { return node.cache->stats().pending_invalidations == 0; }));
  CHECK(node.remote->stats().marks_written >= 1);
}

}  // namespace
}  // namespace marquee
