#include "read_caches.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "redis_uri.h"

#if MARQUEE_SERVER_WITH_REDIS
#include "marquee/redis/invalidation_bus.h"
#include "marquee/redis/redis_cache.h"
#include "marquee/redis/redis_options.h"
#endif

namespace marquee_server {

namespace {

constexpr size_t kL1Bytes = size_t{64} << 20;

#if MARQUEE_SERVER_WITH_REDIS
void WriteRedisMetrics(const marquee::redis::RedisCache& cache,
                       const marquee::redis::RedisInvalidationBus& bus,
                       marquee::http::PrometheusText& out) {
  const marquee::redis::RedisCacheStats c = cache.stats();
  out.Counter("marquee_redis_cache_errors_total", "L2 calls that failed talking to Redis.",
              static_cast<double>(c.errors));
  out.Counter("marquee_redis_cache_fast_failures_total",
              "L2 calls refused at once while Redis was considered down.",
              static_cast<double>(c.fast_failures));
  out.Counter("marquee_redis_cache_marks_written_total", "L2 keys marked invalid.",
              static_cast<double>(c.marks_written));
  const marquee::redis::InvalidationBusStats b = bus.stats();
  out.Counter("marquee_redis_bus_published_changes_total", "Invalidations published.",
              static_cast<double>(b.published_changes));
  out.Counter("marquee_redis_bus_delivered_changes_total", "Invalidations received.",
              static_cast<double>(b.delivered_changes));
  out.Counter("marquee_redis_bus_gaps_total",
              "Times the bus connection was lost or re-established (L1 flushed).",
              static_cast<double>(b.gaps));
}
#endif

// Adds the Redis tiers to `options` and `caches`.
absl::Status OpenRedisTiers(const ServerFlags& flags, marquee::TieredCacheOptions& options,
                            ReadCaches& caches) {
#if MARQUEE_SERVER_WITH_REDIS
  absl::StatusOr<RedisAddress> address = ParseRedisUri(flags.redis);
  if (!address.ok()) return address.status();
  const std::string prefix = absl::StrCat("marquee:", flags.postgres_schema, ":");
  const marquee::redis::RedisOptions redis{.host = address->host,
                                           .port = address->port,
                                           .password = address->password,
                                           .database = address->database,
                                           .key_prefix = prefix,
                                           .channel = prefix + "invalidations"};
  absl::StatusOr<std::unique_ptr<marquee::redis::RedisCache>> remote =
      marquee::redis::OpenRedisCache(redis);
  if (!remote.ok()) return remote.status();
  absl::StatusOr<std::unique_ptr<marquee::redis::RedisInvalidationBus>> bus =
      marquee::redis::OpenRedisInvalidationBus(redis);
  if (!bus.ok()) return bus.status();
  const marquee::redis::RedisCache* cache_stats = remote->get();
  const marquee::redis::RedisInvalidationBus* bus_stats = bus->get();
  caches.write_redis_metrics = [cache_stats, bus_stats](marquee::http::PrometheusText& out) {
    WriteRedisMetrics(*cache_stats, *bus_stats, out);
  };
  caches.remote = *std::move(remote);
  caches.bus = *std::move(bus);
  options.remote = caches.remote.get();
  options.bus = caches.bus.get();
  caches.description = absl::StrCat("L1 64 MiB per node; L2 and invalidation bus on Redis ",
                                    RedactRedisUri(flags.redis), " (keys ", prefix, "*)");
  return absl::OkStatus();
#else
  (void)flags;
  (void)options;
  (void)caches;
  return absl::UnimplementedError(
      "this marquee-server was built without marquee::redis (MARQUEE_BUILD_REDIS=OFF)");
#endif
}

}  // namespace

absl::StatusOr<ReadCaches> OpenReadCaches(marquee::Store* store, bool shared,
                                          const ServerFlags& flags) {
  ReadCaches caches;
  if (!shared) {
    caches.description = "none (the embedded store's reads are memory reads)";
    return caches;
  }
  // Every node watches the shared store itself, and also publishes what it
  // sees on the bus: whichever reaches a node first drops its L1 entry, and
  // the version guard makes the second a no-op.
  marquee::TieredCacheOptions options{.l1 = {.capacity_bytes = kL1Bytes},
                                      .publish_changes = true};
  caches.description = "L1 64 MiB per node, no L2 (pass --redis URI for a shared one)";
  if (!flags.redis.empty()) {
    if (absl::Status s = OpenRedisTiers(flags, options, caches); !s.ok()) return s;
  }
  absl::StatusOr<std::unique_ptr<marquee::TieredCache>> cache =
      marquee::TieredCache::Open(store, options);
  if (!cache.ok()) return cache.status();
  caches.cache = *std::move(cache);
  return caches;
}

}  // namespace marquee_server
