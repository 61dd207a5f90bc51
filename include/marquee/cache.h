// marquee/cache.h — the in-process L1 cache.
//
// A concurrent cache of shared immutable values, sharded and bounded by
// bytes. Eviction is S3-FIFO family (small probationary FIFO, main FIFO with
// reinsertion, ghost history), so a hit takes only a shared lock and bumps an
// atomic counter. On top:
//   - TTL per entry or by default; an expired entry is never returned;
//   - GetOrLoad: single flight (N concurrent misses of a key run its loader
//     once), stale-while-revalidate (within the window a stale value is
//     returned at once while one refresh runs on the executor), negative
//     caching (a loader's "does not exist" is remembered for a short TTL);
//   - a version guard: every entry carries its record version; a Put or a
//     load older than the version cached, or than the last invalidation of
//     the key, is refused, so a slow load never resurrects a value after an
//     invalidation (the lease idea of "Scaling Memcache at Facebook");
//   - statistics.
// Thread-safety: every method may be called concurrently.
//
//   auto cache = *marquee::Cache<Record>::Create({.capacity_bytes = 256 << 20});
//   auto record = cache->GetOrLoad("campaigns/spring", [&]() -> absl::StatusOr<
//                                      marquee::Cache<Record>::Loaded> {
//     MARQUEE_ASSIGN_OR_RETURN(Record r, store->Get("campaigns", "spring"));
//     size_t bytes = r.body.text().size();
//     uint64_t version = r.version;
//     return marquee::Cache<Record>::Loaded{
//         .value = std::make_shared<const Record>(std::move(r)), .version = version, .bytes = bytes};
//   });
//   cache->Invalidate("campaigns/spring", change.version);  // from the change feed
#ifndef MARQUEE_CACHE_H_
#define MARQUEE_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/clock.h"
#include "marquee/executor.h"
#include "marquee/export.h"

namespace marquee {

struct CacheOptions {
  // The bound on what the cache holds. Each entry is charged the value size
  // its Put or loader reports, plus its key, plus kCacheEntryOverhead.
  // Default: 64 MiB.
  size_t capacity_bytes = size_t{64} << 20;
  // Independently locked shards, each with capacity_bytes / shards; rounded
  // up to a power of two. 0: 16 per hardware thread, at least 16.
  int shards = 0;
  // Freshness of an entry whose Put or load names no TTL. Default: forever.
  absl::Duration default_ttl = absl::InfiniteDuration();
  // After an entry's TTL, how long GetOrLoad still returns it at once while
  // one background refresh runs. Default: 0 (a stale value is never served).
  absl::Duration stale_while_revalidate = absl::ZeroDuration();
  // How long a loader's "does not exist" is remembered. 0: not remembered.
  // Default: 1 s.
  absl::Duration negative_ttl = absl::Seconds(1);
  // Source of time for TTLs. Default (null): Clock::Real().
  Clock* clock = nullptr;
  // Runs stale-while-revalidate refreshes. Must outlive the cache.
  // Default (null): the cache's own one-thread pool.
  Executor* executor = nullptr;
};

// The fixed per-entry charge on top of key and value sizes: the entry, its
// hash-table slot and the value's shared_ptr control block.
inline constexpr size_t kCacheEntryOverhead = 128;

struct CacheStats {
  uint64_t hits = 0;           // fresh values returned
  uint64_t stale_hits = 0;     // stale values returned within stale_while_revalidate
  uint64_t negative_hits = 0;  // remembered "does not exist" answers
  uint64_t misses = 0;         // lookups that found nothing usable
  uint64_t loads = 0;          // loader runs (foreground and refresh)
  uint64_t load_errors = 0;    // loader runs that failed (not counting NotFound)
  uint64_t load_nanos = 0;     // total wall time spent in loaders
  uint64_t refreshes = 0;      // background refreshes started
  uint64_t evictions = 0;      // entries evicted for room
  uint64_t expirations = 0;    // expired entries removed
  uint64_t invalidations = 0;  // Invalidate calls
  uint64_t rejected_puts = 0;  // Puts and loads refused by the version guard or for size
  size_t entries = 0;          // resident entries (values, negatives, invalidation marks)
  size_t bytes = 0;            // their total charge
  size_t capacity_bytes = 0;
};

namespace cache_internal {

// What a loader produced, before the typed façade restores the value type.
struct ErasedLoad {
  std::shared_ptr<const void> value{};  // null: the key does not exist
  uint64_t version = 0;
  size_t bytes = 0;
  std::optional<absl::Duration> ttl{};
};
using ErasedLoader = std::function<absl::StatusOr<ErasedLoad>()>;

// The untyped cache behind Cache<V>; see Cache<V> for the contract.
class MARQUEE_EXPORT CacheCore {
 public:
  static absl::StatusOr<std::unique_ptr<CacheCore>> Create(const CacheOptions& options);
  ~CacheCore();
  CacheCore(const CacheCore&) = delete;
  CacheCore& operator=(const CacheCore&) = delete;

  std::shared_ptr<const void> Get(std::string_view key);
  absl::StatusOr<std::shared_ptr<const void>> GetOrLoad(std::string_view key, ErasedLoader loader);
  bool Put(std::string_view key, ErasedLoad load);
  void Invalidate(std::string_view key, uint64_t version);
  void Clear();
  CacheStats stats() const;

 private:
  struct Impl;
  explicit CacheCore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cache_internal

template <class V>
class Cache {
 public:
  // What a loader returns. `value` null means the key does not exist (as of
  // `version`); that answer is remembered for negative_ttl.
  struct Loaded {
    std::shared_ptr<const V> value{};
    uint64_t version = 0;                 // the record version the value reflects
    size_t bytes = 0;                     // the value's size, charged against capacity
    std::optional<absl::Duration> ttl{};  // default: options.default_ttl
  };
  // May run on the calling thread or, for a refresh, later on the executor:
  // it must own (or outlive the cache for) whatever it captures.
  using Loader = std::function<absl::StatusOr<Loaded>()>;

  // Errors: InvalidArgument for a zero capacity, a negative duration, or
  // more than 65,536 shards.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<Cache>> Create(const CacheOptions& options) {
    auto core = cache_internal::CacheCore::Create(options);
    if (!core.ok()) return core.status();
    return std::unique_ptr<Cache>(new Cache(*std::move(core)));
  }

  // The fresh value for `key`, or null (absent, expired, or known not to exist).
  std::shared_ptr<const V> Get(std::string_view key) {
    return std::static_pointer_cast<const V>(core_->Get(key));
  }

  // The value for `key`, loading it on a miss: concurrent misses of one key
  // share one loader run. Within stale_while_revalidate after expiry the
  // stale value is returned and one refresh runs in the background.
  // Errors: NotFound when the loader (now or within negative_ttl) said the
  // key does not exist, by a null value or a NotFound status; otherwise the
  // loader's own error, which is not cached.
  absl::StatusOr<std::shared_ptr<const V>> GetOrLoad(std::string_view key, Loader loader) {
    auto value = core_->GetOrLoad(key, [loader = std::move(loader)]() -> absl::StatusOr<
                                                                         cache_internal::ErasedLoad> {
      absl::StatusOr<Loaded> loaded = loader();
      if (!loaded.ok()) return loaded.status();
      return cache_internal::ErasedLoad{std::move(loaded->value), loaded->version, loaded->bytes,
                                        loaded->ttl};
    });
    if (!value.ok()) return value.status();
    return std::static_pointer_cast<const V>(*std::move(value));
  }

  // Stores `value` (null: remember that the key does not exist) unless the
  // cache holds a newer version or invalidated the key at a newer version,
  // or the entry would not fit in a shard. Returns whether it was stored.
  bool Put(std::string_view key, Loaded loaded) {
    return core_->Put(key, {std::move(loaded.value), loaded.version, loaded.bytes, loaded.ttl});
  }

  // Drops the key's entry if its version is below `version`, and refuses any
  // later Put or load below `version` (the mark is evictable like an entry;
  // loads in flight are always covered). In-flight loads of the key are
  // detached: callers arriving later start a new load.
  void Invalidate(std::string_view key, uint64_t version) { core_->Invalidate(key, version); }

  // Drops everything, and keeps every load already in flight from storing
  // its result. Used when invalidations may have been missed.
  void Clear() { core_->Clear(); }

  CacheStats stats() const { return core_->stats(); }

 private:
  explicit Cache(std::unique_ptr<cache_internal::CacheCore> core) : core_(std::move(core)) {}
  std::unique_ptr<cache_internal::CacheCore> core_;
};

}  // namespace marquee

#endif  // MARQUEE_CACHE_H_
