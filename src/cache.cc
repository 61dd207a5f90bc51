// The L1 cache: shards, single-flight loading, stale-while-revalidate,
// negative caching and statistics on top of CacheShard.
#include <algorithm>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "internal/cache_shard.h"
#include "internal/striped_counters.h"
#include "marquee/cache.h"

namespace marquee::cache_internal {
namespace {

using internal::CacheEntry;
using internal::CacheFlight;
using internal::CacheLookup;
using internal::CacheShard;

enum Counter : size_t {
  kHits,
  kStaleHits,
  kNegativeHits,
  kMisses,
  kLoads,
  kLoadErrors,
  kLoadNanos,
  kRefreshes,
  kEvictions,
  kExpirations,
  kInvalidations,
  kRejectedPuts,
  kCounterCount,
};

constexpr int kMaxShards = 65536;
// Below this per-shard capacity an automatic shard count is reduced: tiny
// shards evict by the luck of the hash instead of by the policy.
constexpr size_t kMinAutoShardBytes = size_t{64} << 10;

int64_t ToNanos(absl::Time t) { return absl::ToUnixNanos(t); }

int ShardCountFor(const CacheOptions& options) {
  if (options.shards > 0) return static_cast<int>(std::bit_ceil(static_cast<unsigned>(options.shards)));
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  size_t wanted = std::max<size_t>(16, size_t{16} * threads);
  size_t by_size = std::max<size_t>(1, options.capacity_bytes / kMinAutoShardBytes);
  return static_cast<int>(std::bit_floor(std::min({wanted, by_size, size_t{kMaxShards}})));
}

}  // namespace

struct CacheCore::Impl {
  CacheOptions options;
  Clock* clock = nullptr;
  std::unique_ptr<Executor> owned_executor;
  Executor* executor = nullptr;
  std::vector<std::unique_ptr<CacheShard>> shards;
  int shard_shift = 64;  // shard = mixed hash >> shard_shift
  internal::StripedCounters<kCounterCount> counters;

  // Background refreshes still running; the destructor waits for them.
  std::mutex refresh_mu;
  std::condition_variable refresh_cv;
  int refreshes_running = 0;

  uint64_t HashOf(std::string_view key) const { return absl::Hash<absl::string_view>{}(internal::Sv(key)); }

  CacheShard& ShardOf(uint64_t hash) const {
    if (shard_shift >= 64) return *shards[0];
    // Mix again: the table inside the shard uses the same hash's low bits.
    uint64_t mixed = hash * 0x9E3779B97F4A7C15ull;
    return *shards[mixed >> shard_shift];
  }

  CacheShard::Write WriteFor(ErasedLoad load, absl::Time now) const {
    CacheShard::Write write;
    write.version = load.version;
    if (load.value == nullptr) {
      write.kind = CacheEntry::Kind::kNegative;
      write.fresh_until = ToNanos(now + options.negative_ttl);
      write.stale_until = write.fresh_until;
      return write;
    }
    absl::Duration ttl = load.ttl.value_or(options.default_ttl);
    write.kind = CacheEntry::Kind::kValue;
    write.value = std::move(load.value);
    write.value_bytes = load.bytes;
    write.fresh_until = ToNanos(now + ttl);
    write.stale_until = ToNanos(now + ttl + options.stale_while_revalidate);
    return write;
  }

  // Under the shard's exclusive lock.
  bool StoreLocked(CacheShard& shard, std::string_view key, uint64_t hash, ErasedLoad load) {
    if (load.value == nullptr && options.negative_ttl <= absl::ZeroDuration()) return false;
    absl::Time now = clock->Now();
    internal::StoreOutcome outcome = shard.Store(key, hash, WriteFor(std::move(load), now), ToNanos(now));
    if (outcome.evicted > 0) counters.Add(kEvictions, outcome.evicted);
    if (outcome.expired > 0) counters.Add(kExpirations, outcome.expired);
    if (!outcome.stored) counters.Add(kRejectedPuts);
    return outcome.stored;
  }

  // Runs the loader for `flight` and publishes its outcome: to the cache
  // (unless the flight was detached below the loaded version) and to every
  // caller waiting on the flight.
  absl::StatusOr<std::shared_ptr<const void>> RunFlight(CacheShard& shard, std::string_view key,
                                                        uint64_t hash, const ErasedLoader& loader,
                                                        const std::shared_ptr<CacheFlight>& flight) {
    auto started = std::chrono::steady_clock::now();
    absl::StatusOr<ErasedLoad> loaded = loader();
    auto elapsed = std::chrono::steady_clock::now() - started;
    counters.Add(kLoads);
    counters.Add(kLoadNanos, static_cast<uint64_t>(
                                 std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()));

    // A NotFound status is the same answer as a null value, without a version.
    if (!loaded.ok() && absl::IsNotFound(loaded.status())) loaded = ErasedLoad{};
    if (!loaded.ok()) counters.Add(kLoadErrors);

    absl::StatusOr<std::shared_ptr<const void>> outcome = nullptr;
    {
      std::unique_lock lock(shard.mu());
      if (!flight->detached) shard.EndFlight(key, flight);
      if (loaded.ok()) {
        std::shared_ptr<const void> value = loaded->value;
        if (!flight->detached || loaded->version >= flight->floor) {
          StoreLocked(shard, key, hash, *std::move(loaded));
        } else {
          counters.Add(kRejectedPuts);
        }
        outcome = std::move(value);
      } else {
        outcome = loaded.status();
      }
    }
    if (outcome.ok() && *outcome == nullptr) {
      outcome = absl::NotFoundError(absl::StrCat("'", internal::Sv(key), "' does not exist"));
    }
    flight->Finish(outcome);
    return outcome;
  }

  void StartRefresh(CacheShard& shard, std::string key, uint64_t hash, ErasedLoader loader,
                    std::shared_ptr<CacheFlight> flight) {
    counters.Add(kRefreshes);
    {
      std::lock_guard lock(refresh_mu);
      ++refreshes_running;
    }
    executor->Post([this, &shard, key = std::move(key), hash, loader = std::move(loader),
                    flight = std::move(flight)] {
      // A failed refresh keeps serving the stale value until its window ends.
      (void)RunFlight(shard, key, hash, loader, flight);
      std::lock_guard lock(refresh_mu);
      if (--refreshes_running == 0) refresh_cv.notify_all();
    });
  }
};

absl::StatusOr<std::unique_ptr<CacheCore>> CacheCore::Create(const CacheOptions& options) {
  if (options.capacity_bytes == 0) return absl::InvalidArgumentError("cache capacity_bytes must be > 0");
  if (options.shards < 0 || options.shards > kMaxShards) {
    return absl::InvalidArgumentError(absl::StrCat("cache shards must be 0..", kMaxShards, ", not ", options.shards));
  }
  if (options.default_ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("cache default_ttl must be > 0 (InfiniteDuration for no expiry)");
  }
  if (options.stale_while_revalidate < absl::ZeroDuration() || options.negative_ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("cache stale_while_revalidate and negative_ttl must be >= 0");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->clock = options.clock != nullptr ? options.clock : Clock::Real();
  if (options.executor != nullptr) {
    impl->executor = options.executor;
  } else {
    impl->owned_executor = MakeThreadPoolExecutor(1);
    impl->executor = impl->owned_executor.get();
  }
  int shard_count = ShardCountFor(options);
  impl->shard_shift = shard_count == 1 ? 64 : 64 - std::countr_zero(static_cast<unsigned>(shard_count));
  size_t per_shard = std::max<size_t>(1, options.capacity_bytes / static_cast<size_t>(shard_count));
  impl->shards.reserve(static_cast<size_t>(shard_count));
  for (int i = 0; i < shard_count; ++i) impl->shards.push_back(std::make_unique<CacheShard>(per_shard));
  return std::unique_ptr<CacheCore>(new CacheCore(std::move(impl)));
}

CacheCore::CacheCore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

CacheCore::~CacheCore() {
  // Refresh tasks point into the shards: let them finish first.
  std::unique_lock lock(impl_->refresh_mu);
  impl_->refresh_cv.wait(lock, [this] { return impl_->refreshes_running == 0; });
}

std::shared_ptr<const void> CacheCore::Get(std::string_view key) {
  Impl& impl = *impl_;
  uint64_t hash = impl.HashOf(key);
  CacheShard& shard = impl.ShardOf(hash);
  CacheLookup found;
  {
    std::shared_lock lock(shard.mu());
    found = shard.Find(key, hash, internal::LazyNow(impl.clock));
  }
  switch (found.kind) {
    case CacheLookup::Kind::kFresh:
      impl.counters.Add(kHits);
      return std::move(found.value);
    case CacheLookup::Kind::kNegative:
      impl.counters.Add(kNegativeHits);
      return nullptr;
    case CacheLookup::Kind::kStale:  // plain Get never serves stale
    case CacheLookup::Kind::kMiss:
      impl.counters.Add(kMisses);
      return nullptr;
  }
  return nullptr;
}

absl::StatusOr<std::shared_ptr<const void>> CacheCore::GetOrLoad(std::string_view key, ErasedLoader loader) {
  Impl& impl = *impl_;
  uint64_t hash = impl.HashOf(key);
  CacheShard& shard = impl.ShardOf(hash);
  auto not_found = [&] { return absl::NotFoundError(absl::StrCat("'", internal::Sv(key), "' does not exist")); };

  // Fast path: a fresh value, a remembered absence, or a stale value whose
  // refresh is already running, all under the shared lock.
  CacheLookup found;
  {
    std::shared_lock lock(shard.mu());
    found = shard.Find(key, hash, internal::LazyNow(impl.clock));
    if (found.kind == CacheLookup::Kind::kStale && shard.FindFlight(key) == nullptr) {
      // Needs a refresh started: continue under the exclusive lock.
    } else if (found.kind != CacheLookup::Kind::kMiss) {
      lock.unlock();
      if (found.kind == CacheLookup::Kind::kFresh) {
        impl.counters.Add(kHits);
        return std::move(found.value);
      }
      if (found.kind == CacheLookup::Kind::kNegative) {
        impl.counters.Add(kNegativeHits);
        return not_found();
      }
      impl.counters.Add(kStaleHits);
      return std::move(found.value);
    }
  }

  // Slow path: look again under the exclusive lock (another caller may have
  // loaded meanwhile), then join or start the key's flight.
  std::shared_ptr<CacheFlight> flight;
  bool leader = false;
  {
    std::unique_lock lock(shard.mu());
    found = shard.Find(key, hash, internal::LazyNow(impl.clock));
    switch (found.kind) {
      case CacheLookup::Kind::kFresh:
        impl.counters.Add(kHits);
        return std::move(found.value);
      case CacheLookup::Kind::kNegative:
        impl.counters.Add(kNegativeHits);
        return not_found();
      case CacheLookup::Kind::kStale:
        impl.counters.Add(kStaleHits);
        if (shard.FindFlight(key) == nullptr) {
          impl.StartRefresh(shard, std::string(key), hash, std::move(loader), shard.StartFlight(key));
        }
        return std::move(found.value);
      case CacheLookup::Kind::kMiss:
        break;
    }
    impl.counters.Add(kMisses);
    flight = shard.FindFlight(key);
    if (flight == nullptr) {
      flight = shard.StartFlight(key);
      leader = true;
    }
  }
  if (!leader) return flight->Wait();
  return impl.RunFlight(shard, key, hash, loader, flight);
}

bool CacheCore::Put(std::string_view key, ErasedLoad load) {
  Impl& impl = *impl_;
  uint64_t hash = impl.HashOf(key);
  CacheShard& shard = impl.ShardOf(hash);
  std::unique_lock lock(shard.mu());
  return impl.StoreLocked(shard, key, hash, std::move(load));
}

void CacheCore::Invalidate(std::string_view key, uint64_t version) {
  Impl& impl = *impl_;
  uint64_t hash = impl.HashOf(key);
  CacheShard& shard = impl.ShardOf(hash);
  impl.counters.Add(kInvalidations);
  uint64_t evicted;
  {
    std::unique_lock lock(shard.mu());
    evicted = shard.Invalidate(key, hash, version);
  }
  if (evicted > 0) impl.counters.Add(kEvictions, evicted);
}

void CacheCore::Clear() {
  for (auto& shard : impl_->shards) {
    std::unique_lock lock(shard->mu());
    shard->Clear();
  }
}

CacheStats CacheCore::stats() const {
  const Impl& impl = *impl_;
  CacheStats stats;
  stats.hits = impl.counters.Sum(kHits);
  stats.stale_hits = impl.counters.Sum(kStaleHits);
  stats.negative_hits = impl.counters.Sum(kNegativeHits);
  stats.misses = impl.counters.Sum(kMisses);
  stats.loads = impl.counters.Sum(kLoads);
  stats.load_errors = impl.counters.Sum(kLoadErrors);
  stats.load_nanos = impl.counters.Sum(kLoadNanos);
  stats.refreshes = impl.counters.Sum(kRefreshes);
  stats.evictions = impl.counters.Sum(kEvictions);
  stats.expirations = impl.counters.Sum(kExpirations);
  stats.invalidations = impl.counters.Sum(kInvalidations);
  stats.rejected_puts = impl.counters.Sum(kRejectedPuts);
  for (const auto& shard : impl.shards) {
    std::shared_lock lock(shard->mu());
    stats.entries += shard->entries();
    stats.bytes += shard->charge();
    stats.capacity_bytes += shard->capacity();
  }
  return stats;
}

}  // namespace marquee::cache_internal
