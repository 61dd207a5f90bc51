// The L1 cache against a model: random Puts (values and "does not exist"),
// Invalidates, Clears, Gets and clock moves; after every step the cache
// answers what the model says. Capacity is ample, so nothing is evicted and
// the model is exact. A concurrent variant checks the version guard under
// racing loads and invalidations.
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "doctest/doctest.h"
#include "marquee/cache.h"

namespace marquee {
namespace {

using StringCache = Cache<std::string>;
using Loaded = StringCache::Loaded;

struct ModelEntry {
  enum class Kind { kValue, kNegative, kMark } kind = Kind::kValue;
  uint64_t version = 0;
  std::string value{};
  absl::Time fresh_until = absl::InfiniteFuture();
};

class Model {
 public:
  Model(ManualClock* clock, absl::Duration negative_ttl) : clock_(clock), negative_ttl_(negative_ttl) {}

  bool Put(const std::string& key, std::optional<std::string> value, uint64_t version,
           absl::Duration ttl) {
    auto it = entries_.find(key);
    if (it != entries_.end() && version < it->second.version) return false;
    ModelEntry entry;
    entry.version = version;
    if (value.has_value()) {
      entry.kind = ModelEntry::Kind::kValue;
      entry.value = *value;
      entry.fresh_until = clock_->Now() + ttl;
    } else {
      entry.kind = ModelEntry::Kind::kNegative;
      entry.fresh_until = clock_->Now() + negative_ttl_;
    }
    entries_[key] = entry;
    return true;
  }

  void Invalidate(const std::string& key, uint64_t version) {
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.version >= version) return;
    entries_[key] = ModelEntry{.kind = ModelEntry::Kind::kMark, .version = version};
  }

  void Clear() { entries_.clear(); }

  // What Get must return.
  std::optional<std::string> Get(const std::string& key) const {
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.kind != ModelEntry::Kind::kValue) return std::nullopt;
    if (clock_->Now() >= it->second.fresh_until) return std::nullopt;
    return it->second.value;
  }

 private:
  ManualClock* clock_;
  absl::Duration negative_ttl_;
  std::map<std::string, ModelEntry> entries_;
};

TEST_CASE("Property: the cache agrees with the model over 20,000 random steps") {
  for (uint64_t seed : {1u, 2u, 3u}) {
    CAPTURE(seed);
    std::mt19937_64 rng(seed);
    ManualClock clock(absl::FromUnixSeconds(1'000'000));
    const absl::Duration negative_ttl = absl::Seconds(3);
    auto created = StringCache::Create({.capacity_bytes = size_t{64} << 20,
                                        .shards = 4,
                                        .default_ttl = absl::Seconds(20),
                                        .negative_ttl = negative_ttl,
                                        .clock = &clock});
    REQUIRE(created.ok());
    auto& cache = **created;
    Model model(&clock, negative_ttl);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint64_t>(n)); };

    for (int step = 0; step < 20'000; ++step) {
      std::string key = "k" + std::to_string(pick(40));
      uint64_t version = static_cast<uint64_t>(pick(50));
      int op = pick(100);
      CAPTURE(step);
      CAPTURE(key);
      if (op < 35) {
        absl::Duration ttl = absl::Seconds(1 + pick(30));
        std::string value = "v" + std::to_string(version) + "." + std::to_string(step);
        bool stored = cache.Put(key, {.value = std::make_shared<const std::string>(value),
                                      .version = version,
                                      .bytes = value.size(),
                                      .ttl = ttl});
        CHECK(stored == model.Put(key, value, version, ttl));
      } else if (op < 42) {
        bool stored = cache.Put(key, {.value = nullptr, .version = version});
        CHECK(stored == model.Put(key, std::nullopt, version, absl::ZeroDuration()));
      } else if (op < 55) {
        cache.Invalidate(key, version);
        model.Invalidate(key, version);
      } else if (op < 56) {
        cache.Clear();
        model.Clear();
      } else if (op < 65) {
        clock.Advance(absl::Milliseconds(pick(4000)));
      } else {
        std::shared_ptr<const std::string> got = cache.Get(key);
        std::optional<std::string> want = model.Get(key);
        CHECK((got ? std::optional<std::string>(*got) : std::nullopt) == want);
      }
    }
  }
}

// Loaders read a versioned "store" (an atomic per key) while writers bump
// versions and invalidate, as the change feed would. Whatever the
// interleaving, once the writers stop the cache never holds a version older
// than the last invalidation of its key.
TEST_CASE("Property: racing loads never leave a value older than its last invalidation" *
          doctest::test_suite("concurrent")) {
  constexpr int kKeys = 8;
  auto created = StringCache::Create({.shards = 2});
  REQUIRE(created.ok());
  auto& cache = **created;
  std::vector<std::atomic<uint64_t>> store(kKeys);
  for (auto& v : store) v = 1;
  std::atomic<bool> stop{false};

  std::vector<std::thread> threads;
  for (int r = 0; r < 3; ++r) {
    threads.emplace_back([&, r] {
      std::mt19937 rng(static_cast<unsigned>(r));
      while (!stop.load()) {
        int k = static_cast<int>(rng() % kKeys);
        (void)cache.GetOrLoad("k" + std::to_string(k), [&, k]() -> absl::StatusOr<Loaded> {
          uint64_t version = store[static_cast<size_t>(k)].load();
          std::this_thread::yield();  // widen the window a write can land in
          return Loaded{.value = std::make_shared<const std::string>(std::to_string(version)),
                        .version = version,
                        .bytes = 8};
        });
      }
    });
  }
  std::thread writer([&] {
    std::mt19937 rng(99);
    for (int i = 0; i < 20'000; ++i) {
      int k = static_cast<int>(rng() % kKeys);
      uint64_t version = store[static_cast<size_t>(k)].fetch_add(1) + 1;
      cache.Invalidate("k" + std::to_string(k), version);
    }
  });
  writer.join();
  stop = true;
  for (auto& t : threads) t.join();
  for (int k = 0; k < kKeys; ++k) {
    auto got = cache.Get("k" + std::to_string(k));
    if (got != nullptr) CHECK(*got == std::to_string(store[static_cast<size_t>(k)].load()));
  }
}

}  // namespace
}  // namespace marquee
