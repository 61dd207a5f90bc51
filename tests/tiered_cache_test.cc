// TieredCache over a MemoryStore without a shared tier: read-through, and
// coherence from the store's change feed. (With Redis: tests/redis/.)
#include "marquee/tiered_cache.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "marquee/memory_store.h"

namespace marquee {
namespace {

std::unique_ptr<MemoryStore> OpenStore() {
  auto store = OpenMemoryStore({});
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return *std::move(store);
}

std::unique_ptr<TieredCache> OpenCache(Store* store, TieredCacheOptions options = {}) {
  auto cache = TieredCache::Open(store, options);
  REQUIRE_MESSAGE(cache.ok(), cache.status().ToString());
  return *std::move(cache);
}

uint64_t PutValue(Store& store, const std::string& id, int value) {
  WriteBatch batch;
  batch.Put("items", id, *Json::Parse("{\"value\":" + std::to_string(value) + "}"));
  auto version = store.Write(batch);
  REQUIRE_MESSAGE(version.ok(), version.status().ToString());
  return *version;
}

uint64_t EraseKey(Store& store, const std::string& id) {
  WriteBatch batch;
  batch.Erase("items", id);
  auto version = store.Write(batch);
  REQUIRE_MESSAGE(version.ok(), version.status().ToString());
  return *version;
}

// Polls until `done` or two seconds pass (the change feed is asynchronous).
template <class Predicate>
bool Eventually(Predicate done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

TEST_CASE("Open refuses a null store and bad options") {
  CHECK(absl::IsInvalidArgument(TieredCache::Open(nullptr, {}).status()));
  auto store = OpenStore();
  CHECK(absl::IsInvalidArgument(TieredCache::Open(store.get(), {.l1 = {.capacity_bytes = 0}}).status()));
  CHECK(absl::IsInvalidArgument(
      TieredCache::Open(store.get(), {.remote_ttl = absl::ZeroDuration()}).status()));
}

TEST_CASE("Get reads through to the store once, then hits L1") {
  auto store = OpenStore();
  uint64_t version = PutValue(*store, "a", 1);
  auto cache = OpenCache(store.get());
  auto first = cache->Get("items", "a");
  REQUIRE(first.ok());
  CHECK((*first)->version == version);
  CHECK((*first)->body.text() == R"({"value":1})");
  auto second = cache->Get("items", "a");
  REQUIRE(second.ok());
  CHECK(second->get() == first->get());  // the same shared record
  TieredCacheStats stats = cache->stats();
  CHECK(stats.store_reads == 1);
  CHECK(stats.l1.hits == 1);
  CHECK(stats.l1.misses == 1);
}

TEST_CASE("A committed write invalidates L1: the next Get sees the new version") {
  auto store = OpenStore();
  PutValue(*store, "a", 1);
  auto cache = OpenCache(store.get());
  REQUIRE(cache->Get("items", "a").ok());
  uint64_t v2 = PutValue(*store, "a", 2);
  CHECK(Eventually([&] { return cache->l1().Get("items/a") == nullptr; }));
  auto got = cache->Get("items", "a");
  REQUIRE(got.ok());
  CHECK((*got)->version == v2);
  CHECK((*got)->body.text() == R"({"value":2})");
  CHECK(cache->stats().changes_applied >= 1);
}

TEST_CASE("WaitForVersion returns once the change is applied to L1") {
  auto store = OpenStore();
  PutValue(*store, "a", 1);
  auto cache = OpenCache(store.get());
  REQUIRE(cache->Get("items", "a").ok());
  const uint64_t v2 = PutValue(*store, "a", 2);
  REQUIRE(cache->WaitForVersion(v2, absl::Seconds(5)).ok());
  // No polling needed: the old record is gone from L1 already.
  CHECK(cache->l1().Get("items/a") == nullptr);
  CHECK(cache->stats().changes_applied >= 1);
  CHECK(absl::IsDeadlineExceeded(cache->WaitForVersion(v2 + 5, absl::Milliseconds(20))));
}

TEST_CASE("NotFound is remembered, and a create ends it") {
  auto store = OpenStore();
  auto cache = OpenCache(store.get(), {.l1 = {.negative_ttl = absl::Hours(1)}});
  CHECK(absl::IsNotFound(cache->Get("items", "later").status()));
  CHECK(absl::IsNotFound(cache->Get("items", "later").status()));
  CHECK(cache->stats().store_reads == 1);
  uint64_t created = PutValue(*store, "later", 7);
  CHECK(Eventually([&] {
    auto got = cache->Get("items", "later");
    return got.ok() && (*got)->version == created;
  }));

  SUBCASE("an erase makes it NotFound again") {
    EraseKey(*store, "later");
    CHECK(Eventually([&] { return absl::IsNotFound(cache->Get("items", "later").status()); }));
  }
}

TEST_CASE("Bad collections and ids are refused and not cached") {
  auto store = OpenStore();
  auto cache = OpenCache(store.get());
  CHECK(absl::IsInvalidArgument(cache->Get("a/b", "c").status()));
  CHECK(absl::IsInvalidArgument(cache->Get("", "c").status()));
  CHECK(absl::IsInvalidArgument(cache->Get("items", "").status()));
  CHECK(absl::IsInvalidArgument(cache->Get("items", std::string("\x01", 1)).status()));
  CHECK(cache->stats().l1.entries == 0);
}

// Readers never see a key go back in time, and once writes stop every
// reader converges on the store's version.
TEST_CASE("Under concurrent writes reads are monotonic and converge" * doctest::test_suite("concurrent")) {
  auto store = OpenStore();
  constexpr int kKeys = 20;
  for (int k = 0; k < kKeys; ++k) PutValue(*store, "k" + std::to_string(k), 0);
  auto cache = OpenCache(store.get());
  std::atomic<bool> stop{false};
  std::atomic<int> went_back{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      std::map<int, uint64_t> seen;
      while (!stop.load()) {
        for (int k = 0; k < kKeys; ++k) {
          auto got = cache->Get("items", "k" + std::to_string(k));
          if (!got.ok()) {
            errors.fetch_add(1);
            continue;
          }
          if ((*got)->version < seen[k]) went_back.fetch_add(1);
          seen[k] = (*got)->version;
        }
      }
    });
  }
  for (int i = 0; i < 2000; ++i) PutValue(*store, "k" + std::to_string(i % kKeys), i);
  stop = true;
  for (auto& reader : readers) reader.join();
  CHECK(went_back.load() == 0);
  CHECK(errors.load() == 0);
  for (int k = 0; k < kKeys; ++k) {
    std::string id = "k" + std::to_string(k);
    uint64_t want = store->Get("items", id)->version;
    CHECK(Eventually([&] {
      auto got = cache->Get("items", id);
      return got.ok() && (*got)->version == want;
    }));
  }
}

}  // namespace
}  // namespace marquee
