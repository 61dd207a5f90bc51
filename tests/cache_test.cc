// L1 cache: TTL, byte bound, single flight, stale-while-revalidate, negative
// caching, the version guard, statistics and options.
#include "marquee/cache.h"

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "doctest/doctest.h"
#include "marquee/clock.h"

namespace marquee {
namespace {

using StringCache = Cache<std::string>;
using Loaded = StringCache::Loaded;

std::unique_ptr<StringCache> MakeCache(CacheOptions options) {
  auto cache = StringCache::Create(options);
  REQUIRE(cache.ok());
  return *std::move(cache);
}

Loaded Value(std::string text, uint64_t version, std::optional<absl::Duration> ttl = std::nullopt) {
  size_t bytes = text.size();
  return Loaded{.value = std::make_shared<const std::string>(std::move(text)),
                .version = version,
                .bytes = bytes,
                .ttl = ttl};
}

std::string TextOf(const std::shared_ptr<const std::string>& value) { return value ? *value : "<null>"; }

// Blocks a loader until released, and tells when it started.
struct Gate {
  std::promise<void> started;
  std::promise<void> release;
  std::shared_future<void> released{release.get_future().share()};
};

// Starts GetOrLoad(key) on another thread with a loader that blocks on `gate`
// and then returns `value`; returns once the loader is running.
auto StartHeldLoad(StringCache& cache, const std::string& key, Gate& gate, Loaded value) {
  auto load = std::async(std::launch::async, [&cache, &gate, key, value] {
    return cache.GetOrLoad(key, [&gate, value]() -> absl::StatusOr<Loaded> {
      gate.started.set_value();
      gate.released.wait();
      return value;
    });
  });
  gate.started.get_future().wait();
  return load;
}

TEST_CASE("Create refuses bad options") {
  CHECK(absl::IsInvalidArgument(StringCache::Create({.capacity_bytes = 0}).status()));
  CHECK(absl::IsInvalidArgument(StringCache::Create({.shards = -1}).status()));
  CHECK(absl::IsInvalidArgument(StringCache::Create({.shards = 1 << 20}).status()));
  CHECK(absl::IsInvalidArgument(StringCache::Create({.default_ttl = absl::ZeroDuration()}).status()));
  CHECK(absl::IsInvalidArgument(StringCache::Create({.stale_while_revalidate = -absl::Seconds(1)}).status()));
  CHECK(absl::IsInvalidArgument(StringCache::Create({.negative_ttl = -absl::Seconds(1)}).status()));
  CHECK(StringCache::Create({}).ok());
}

TEST_CASE("Put then Get returns the value, an absent key is a miss") {
  auto cache = MakeCache({});
  CHECK(cache->Get("a") == nullptr);
  CHECK(cache->Put("a", Value("alpha", 1)));
  CHECK(TextOf(cache->Get("a")) == "alpha");
  CHECK(cache->Get("b") == nullptr);
}

TEST_CASE("TTL: an entry is returned until its TTL and never after") {
  ManualClock clock(absl::FromUnixSeconds(1000));
  auto cache = MakeCache({.default_ttl = absl::Seconds(60), .clock = &clock});
  REQUIRE(cache->Put("own", Value("x", 1, absl::Seconds(10))));
  REQUIRE(cache->Put("default", Value("y", 1)));
  clock.Advance(absl::Seconds(10) - absl::Microseconds(1));
  CHECK(TextOf(cache->Get("own")) == "x");
  clock.Advance(absl::Microseconds(1));
  CHECK(cache->Get("own") == nullptr);
  CHECK(TextOf(cache->Get("default")) == "y");
  clock.Advance(absl::Seconds(50));
  CHECK(cache->Get("default") == nullptr);

  SUBCASE("an expired entry is reloaded by GetOrLoad") {
    int loads = 0;
    auto value = cache->GetOrLoad("own", [&]() -> absl::StatusOr<Loaded> {
      ++loads;
      return Value("x2", 2);
    });
    REQUIRE(value.ok());
    CHECK(**value == "x2");
    CHECK(loads == 1);
  }
}

TEST_CASE("The byte bound holds: each entry is charged value, key and overhead") {
  const size_t capacity = 64 * 1024;
  auto cache = MakeCache({.capacity_bytes = capacity, .shards = 1});
  std::string kilobyte(1024, 'v');
  for (int i = 0; i < 1000; ++i) {
    cache->Put("key" + std::to_string(i), Value(kilobyte, 1));
    CHECK(cache->stats().bytes <= capacity);
  }
  CacheStats stats = cache->stats();
  size_t per_entry = 1024 + 6 + kCacheEntryOverhead;  // "keyNNN" is 6 bytes
  CHECK(stats.entries <= capacity / per_entry + 1);
  CHECK(stats.entries >= capacity / per_entry / 2);
  CHECK(stats.evictions == 1000 - stats.entries);
  CHECK(stats.capacity_bytes == capacity);
}

TEST_CASE("A value larger than a shard is refused and does not leave the older one served") {
  auto cache = MakeCache({.capacity_bytes = 4096, .shards = 1});
  REQUIRE(cache->Put("k", Value("small", 1)));
  CHECK_FALSE(cache->Put("k", Value(std::string(10000, 'x'), 2)));
  CHECK(cache->Get("k") == nullptr);
  // The key stays guarded at version 2.
  CHECK_FALSE(cache->Put("k", Value("small", 1)));
  CHECK(cache->Put("k", Value("small again", 2)));
}

TEST_CASE("Single flight: 100 concurrent misses of one key run the loader once" *
          doctest::test_suite("concurrent")) {
  auto cache = MakeCache({});
  std::atomic<int> loads{0};
  constexpr int kThreads = 100;
  std::latch start(kThreads);
  std::vector<std::string> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      auto value = cache->GetOrLoad("hot", [&]() -> absl::StatusOr<Loaded> {
        loads.fetch_add(1);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        return Value("loaded", 7);
      });
      results[static_cast<size_t>(t)] = value.ok() ? **value : value.status().ToString();
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(loads.load() == 1);
  for (const std::string& result : results) CHECK(result == "loaded");
  CacheStats stats = cache->stats();
  CHECK(stats.loads == 1);
  CHECK(stats.hits + stats.misses == kThreads);
}

TEST_CASE("A loader error reaches every waiter and is not cached" * doctest::test_suite("concurrent")) {
  auto cache = MakeCache({});
  Gate gate;
  std::atomic<int> loads{0};
  auto failing = [&]() -> absl::StatusOr<Loaded> {
    if (loads.fetch_add(1) == 0) gate.started.set_value();
    gate.released.wait();
    return absl::UnavailableError("store down");
  };
  auto first = std::async(std::launch::async, [&] { return cache->GetOrLoad("k", failing); });
  gate.started.get_future().wait();
  auto second = std::async(std::launch::async, [&] { return cache->GetOrLoad("k", failing); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the second join the flight
  gate.release.set_value();
  CHECK(absl::IsUnavailable(first.get().status()));
  CHECK(absl::IsUnavailable(second.get().status()));
  CHECK(loads.load() == 1);
  CHECK(cache->stats().load_errors == 1);
  auto again = cache->GetOrLoad("k", [] { return absl::StatusOr<Loaded>(Value("back", 1)); });
  REQUIRE(again.ok());
  CHECK(**again == "back");
}

TEST_CASE("Stale-while-revalidate: a stale value is served at once while one refresh runs") {
  ManualClock clock(absl::FromUnixSeconds(1000));
  auto cache = MakeCache({.default_ttl = absl::Seconds(10),
                          .stale_while_revalidate = absl::Seconds(30),
                          .clock = &clock});
  REQUIRE(cache->Put("k", Value("v1", 1)));
  clock.Advance(absl::Seconds(15));  // stale, inside the window
  CHECK(cache->Get("k") == nullptr);  // plain Get never serves stale

  Gate gate;
  std::atomic<int> loads{0};
  auto slow_loader = [&]() -> absl::StatusOr<Loaded> {
    loads.fetch_add(1);
    gate.started.set_value();
    gate.released.wait();
    return Value("v2", 2);
  };
  auto first = cache->GetOrLoad("k", slow_loader);
  REQUIRE(first.ok());
  CHECK(**first == "v1");
  gate.started.get_future().wait();  // the refresh runs in the background
  auto second = cache->GetOrLoad("k", slow_loader);
  REQUIRE(second.ok());
  CHECK(**second == "v1");  // still stale, no second refresh
  gate.release.set_value();
  for (int i = 0; i < 500 && TextOf(cache->Get("k")) != "v2"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(TextOf(cache->Get("k")) == "v2");
  CHECK(loads.load() == 1);
  CacheStats stats = cache->stats();
  CHECK(stats.stale_hits == 2);
  CHECK(stats.refreshes == 1);

  SUBCASE("beyond the window the caller waits for a fresh load") {
    clock.Advance(absl::Seconds(45));
    auto value = cache->GetOrLoad("k", [] { return absl::StatusOr<Loaded>(Value("v3", 3)); });
    REQUIRE(value.ok());
    CHECK(**value == "v3");
  }
}

TEST_CASE("A failed refresh keeps serving the stale value until its window ends") {
  ManualClock clock(absl::FromUnixSeconds(1000));
  auto cache = MakeCache({.default_ttl = absl::Seconds(10),
                          .stale_while_revalidate = absl::Seconds(30),
                          .clock = &clock});
  REQUIRE(cache->Put("k", Value("v1", 1)));
  clock.Advance(absl::Seconds(15));
  std::atomic<int> loads{0};
  auto failing = [&]() -> absl::StatusOr<Loaded> {
    loads.fetch_add(1);
    return absl::UnavailableError("down");
  };
  CHECK(**cache->GetOrLoad("k", failing) == "v1");
  for (int i = 0; i < 500 && cache->stats().load_errors == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(cache->stats().load_errors == 1);
  CHECK(**cache->GetOrLoad("k", failing) == "v1");
  clock.Advance(absl::Seconds(30));
  CHECK(absl::IsUnavailable(cache->GetOrLoad("k", failing).status()));
}

TEST_CASE("Negative caching remembers NotFound for negative_ttl") {
  ManualClock clock(absl::FromUnixSeconds(1000));
  auto cache = MakeCache({.negative_ttl = absl::Seconds(2), .clock = &clock});
  int loads = 0;
  auto absent = [&]() -> absl::StatusOr<Loaded> {
    ++loads;
    return absl::NotFoundError("no such record");
  };
  CHECK(absl::IsNotFound(cache->GetOrLoad("ghost", absent).status()));
  CHECK(absl::IsNotFound(cache->GetOrLoad("ghost", absent).status()));
  CHECK(loads == 1);
  CHECK(cache->stats().negative_hits == 1);
  CHECK(cache->Get("ghost") == nullptr);
  clock.Advance(absl::Seconds(2));
  CHECK(absl::IsNotFound(cache->GetOrLoad("ghost", absent).status()));
  CHECK(loads == 2);

  SUBCASE("a null value with a version is the same answer, and an invalidation ends it") {
    auto null_loader = [&]() -> absl::StatusOr<Loaded> {
      ++loads;
      return Loaded{.value = nullptr, .version = 10};
    };
    CHECK(absl::IsNotFound(cache->GetOrLoad("other", null_loader).status()));
    CHECK(absl::IsNotFound(cache->GetOrLoad("other", null_loader).status()));
    CHECK(loads == 3);
    cache->Invalidate("other", 11);  // created at version 11
    auto created = cache->GetOrLoad("other", [] { return absl::StatusOr<Loaded>(Value("made", 11)); });
    REQUIRE(created.ok());
    CHECK(**created == "made");
  }
  SUBCASE("negative_ttl 0 remembers nothing") {
    auto plain = MakeCache({.negative_ttl = absl::ZeroDuration(), .clock = &clock});
    int plain_loads = 0;
    auto count = [&]() -> absl::StatusOr<Loaded> {
      ++plain_loads;
      return absl::NotFoundError("no");
    };
    CHECK(absl::IsNotFound(plain->GetOrLoad("x", count).status()));
    CHECK(absl::IsNotFound(plain->GetOrLoad("x", count).status()));
    CHECK(plain_loads == 2);
  }
}

TEST_CASE("Version guard: an older Put never replaces a newer value or invalidation") {
  auto cache = MakeCache({});
  REQUIRE(cache->Put("k", Value("v5", 5)));
  CHECK_FALSE(cache->Put("k", Value("v4", 4)));
  CHECK(TextOf(cache->Get("k")) == "v5");
  CHECK(cache->Put("k", Value("v5 again", 5)));  // the same version may be rewritten
  CHECK(cache->stats().rejected_puts == 1);

  SUBCASE("an invalidation drops older values and refuses older Puts") {
    cache->Invalidate("k", 6);
    CHECK(cache->Get("k") == nullptr);
    CHECK_FALSE(cache->Put("k", Value("v5", 5)));
    CHECK(cache->Put("k", Value("v6", 6)));
    CHECK(TextOf(cache->Get("k")) == "v6");
  }
  SUBCASE("an invalidation of a key never cached still refuses older Puts") {
    cache->Invalidate("fresh", 9);
    CHECK_FALSE(cache->Put("fresh", Value("v8", 8)));
    CHECK(cache->Put("fresh", Value("v9", 9)));
  }
  SUBCASE("an invalidation at or below the cached version keeps the entry") {
    cache->Invalidate("k", 5);
    CHECK(TextOf(cache->Get("k")) == "v5 again");
    cache->Invalidate("k", 3);
    CHECK(TextOf(cache->Get("k")) == "v5 again");
  }
}

// The interleaving that resurrects a value in a naive cache: a load reads
// v1, the record is written (v2) and invalidated, then the load stores v1.
TEST_CASE("Version guard: a slow load finishing after an invalidation is not stored" *
          doctest::test_suite("concurrent")) {
  auto cache = MakeCache({});
  Gate gate;
  // The load reads v1, what the store held then.
  auto slow = StartHeldLoad(*cache, "k", gate, Value("v1", 1));
  cache->Invalidate("k", 2);  // the change feed: k written at version 2

  // A caller arriving after the invalidation does not join the stale flight.
  auto fresh = cache->GetOrLoad("k", [] { return absl::StatusOr<Loaded>(Value("v2", 2)); });
  REQUIRE(fresh.ok());
  CHECK(**fresh == "v2");

  gate.release.set_value();
  auto old = slow.get();
  REQUIRE(old.ok());
  CHECK(**old == "v1");  // its own caller asked before the change
  CHECK(TextOf(cache->Get("k")) == "v2");
  CHECK(cache->stats().rejected_puts >= 1);
}

TEST_CASE("Version guard: a slow load with no competing load is refused too" *
          doctest::test_suite("concurrent")) {
  auto cache = MakeCache({});
  Gate gate;
  auto slow = StartHeldLoad(*cache, "k", gate, Value("v1", 1));
  cache->Invalidate("k", 2);
  gate.release.set_value();
  REQUIRE(slow.get().ok());
  CHECK(cache->Get("k") == nullptr);
  CHECK_FALSE(cache->Put("k", Value("v1", 1)));
}

TEST_CASE("Version guard: a load that read the new version is stored despite the invalidation" *
          doctest::test_suite("concurrent")) {
  auto cache = MakeCache({});
  Gate gate;
  auto slow = StartHeldLoad(*cache, "k", gate, Value("v3", 3));
  cache->Invalidate("k", 3);
  gate.release.set_value();
  REQUIRE(slow.get().ok());
  CHECK(TextOf(cache->Get("k")) == "v3");
}

TEST_CASE("Clear drops everything and keeps loads in flight from storing" *
          doctest::test_suite("concurrent")) {
  auto cache = MakeCache({});
  REQUIRE(cache->Put("a", Value("a", 1)));
  Gate gate;
  auto slow = StartHeldLoad(*cache, "b", gate, Value("b", 100));
  cache->Clear();
  gate.release.set_value();
  REQUIRE(slow.get().ok());
  CHECK(cache->Get("a") == nullptr);
  CHECK(cache->Get("b") == nullptr);
  CHECK(cache->stats().entries == 0);
  CHECK(cache->stats().bytes == 0);
}

TEST_CASE("Statistics count hits, misses, loads, load time, evictions and bytes") {
  ManualClock clock(absl::FromUnixSeconds(1000));
  auto cache = MakeCache({.capacity_bytes = 16 * 1024, .shards = 1, .clock = &clock});
  auto loader = [] {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    return absl::StatusOr<Loaded>(Value(std::string(100, 'x'), 1));
  };
  REQUIRE(cache->GetOrLoad("a", loader).ok());  // miss + load
  REQUIRE(cache->GetOrLoad("a", loader).ok());  // hit
  CHECK(cache->Get("a") != nullptr);            // hit
  CHECK(cache->Get("zzz") == nullptr);          // miss
  cache->Invalidate("a", 2);
  CacheStats stats = cache->stats();
  CHECK(stats.hits == 2);
  CHECK(stats.misses == 2);
  CHECK(stats.loads == 1);
  CHECK(stats.load_nanos >= 2'000'000);
  CHECK(stats.invalidations == 1);
  CHECK(stats.entries == 1);  // the invalidation mark
  CHECK(stats.bytes == 1 + kCacheEntryOverhead);
  for (int i = 0; i < 200; ++i) cache->Put("key" + std::to_string(i), Value(std::string(100, 'y'), 1));
  stats = cache->stats();
  CHECK(stats.evictions > 0);
  CHECK(stats.evictions + stats.entries == 201);
  CHECK(stats.bytes <= 16 * 1024);
}

TEST_CASE("Destroying the cache waits for a refresh in progress" * doctest::test_suite("concurrent")) {
  ManualClock clock(absl::FromUnixSeconds(1000));
  std::atomic<bool> finished{false};
  {
    auto cache = MakeCache({.default_ttl = absl::Seconds(1),
                            .stale_while_revalidate = absl::Seconds(60),
                            .clock = &clock});
    REQUIRE(cache->Put("k", Value("v1", 1)));
    clock.Advance(absl::Seconds(2));
    auto stale = cache->GetOrLoad("k", [&]() -> absl::StatusOr<Loaded> {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      finished = true;
      return Value("v2", 2);
    });
    CHECK(**stale == "v1");
  }
  CHECK(finished.load());
}

}  // namespace
}  // namespace marquee
