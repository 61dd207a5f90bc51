// marquee/tiered_cache.h — read-through records: L1, then L2, then the store.
//
// Get looks in the in-process L1 (marquee/cache.h), then in a shared L2
// (any RemoteCache; Redis in marquee::redis), then in the Store, filling the
// tiers on the way back. Coherence comes from the store's change feed: the
// cache watches the store, and every committed change invalidates L1 and L2
// for that key at its version (so no tier ever goes back in time) and is
// published on the InvalidationBus, so other processes' L1s drop it too. A
// node that loses the bus flushes its L1 (it cannot know what it missed).
// L2 or bus trouble degrades to L1 + store; it never fails a read. What
// could not be invalidated in L2 or published is retried in the background
// until it gets through, so L2 converges once Redis is back even when
// nothing reads the keys concerned.
// Thread-safety: every method may be called concurrently.
//
//   auto remote = marquee::redis::OpenRedisCache({.port = 6379});
//   auto bus = marquee::redis::OpenRedisInvalidationBus({.port = 6379});
//   auto cache = marquee::TieredCache::Open(store.get(), {.remote = remote->get(),
//                                                        .bus = bus->get()});
//   absl::StatusOr<std::shared_ptr<const marquee::Record>> r = (*cache)->Get("campaigns", "spring");
#ifndef MARQUEE_TIERED_CACHE_H_
#define MARQUEE_TIERED_CACHE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/cache.h"
#include "marquee/cache_tier.h"
#include "marquee/export.h"
#include "marquee/record.h"
#include "marquee/store.h"

namespace marquee {

struct TieredCacheOptions {
  // The in-process tier. Its executor also runs L2 fills and publishing.
  CacheOptions l1{};
  // The shared tier; null: none. Must outlive the TieredCache.
  RemoteCache* remote = nullptr;
  // How long a record lives in the shared tier. Default: 10 minutes.
  absl::Duration remote_ttl = absl::Minutes(10);
  // Cross-process invalidation; null: none. Must outlive the TieredCache.
  InvalidationBus* bus = nullptr;
  // Publish the changes this node's store Watch sees on the bus. Turn off
  // when every node watches a shared store (each sees every change itself).
  // Default: true.
  bool publish_changes = true;
};

struct TieredCacheStats {
  CacheStats l1{};
  uint64_t remote_hits = 0;
  uint64_t remote_misses = 0;
  uint64_t remote_errors = 0;      // L2 calls that failed (reads fell back to the store)
  uint64_t store_reads = 0;
  uint64_t changes_applied = 0;    // changes from this store's Watch
  uint64_t bus_invalidations = 0;  // invalidations received on the bus
  uint64_t flushes = 0;            // L1 flushes after a lost bus or change feed
  // Changes not yet delivered to L2 or the bus (retried every 100 ms in the
  // background until they are; L2 is not trusted for those keys meanwhile).
  size_t pending_invalidations = 0;
};

class MARQUEE_EXPORT TieredCache {
 public:
  // Starts watching `store` from its current version, and subscribes to the
  // bus when there is one. `store` must outlive the cache.
  // Errors: InvalidArgument (null store, bad L1 options); the store's Watch
  // errors; the bus's Subscribe errors.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TieredCache>> Open(
      Store* store, const TieredCacheOptions& options);
  ~TieredCache();
  TieredCache(const TieredCache&) = delete;
  TieredCache& operator=(const TieredCache&) = delete;

  // The record, from the first tier that has it.
  // Errors: NotFound (also remembered in L1 for l1.negative_ttl); the
  // store's errors (InvalidArgument for a bad collection or id).
  absl::StatusOr<std::shared_ptr<const Record>> Get(std::string_view collection, std::string_view id);

  // The cache key of a record in both tiers: "collection/id".
  static std::string KeyOf(std::string_view collection, std::string_view id);

  // The in-process tier, e.g. to look at it without loading.
  Cache<Record>& l1();

  TieredCacheStats stats() const;

  // Waits until this cache has applied every change the store committed up
  // to version `v`: L1 dropped the keys and L2 marked them (or stopped
  // trusting them until it can), so no tier serves what they replaced. An
  // edge purger calls it before purging, so the edge refetches a fresh
  // answer. Returns at once while the change feed is down (reads then
  // bypass L1). Polls every millisecond.
  // Errors: DeadlineExceeded (timeout), Cancelled (the cache is closing).
  [[nodiscard]] absl::Status WaitForVersion(uint64_t v, absl::Duration timeout) const;

 private:
  struct Impl;
  explicit TieredCache(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace marquee

#endif  // MARQUEE_TIERED_CACHE_H_
