// The caches marquee-server reads campaigns and segments through when it
// serves a shared store: an L1 per node, and with --redis a shared L2 and
// the invalidation bus (marquee/tiered_cache.h). On the embedded store there
// is none: its reads are memory reads already.
//
// Coherence: each node's TieredCache watches the store's change feed
// (PostgreSQL's changes table, woken by LISTEN/NOTIFY), so a write through
// any node invalidates every node's L1 and the shared L2 at the change's
// version; the bus carries the same invalidations over Redis pub/sub, a
// second, often quicker path. A node that loses Redis keeps serving from its
// L1 and the store, and distrusts L2 for the keys it could not invalidate
// until it can.
// Thread-safety: OpenReadCaches is called once, at start-up; the caches
// themselves are thread-safe.
#ifndef MARQUEE_EXAMPLES_SERVER_READ_CACHES_H_
#define MARQUEE_EXAMPLES_SERVER_READ_CACHES_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "marquee/cache_tier.h"
#include "marquee/http/metrics.h"
#include "marquee/store.h"
#include "marquee/tiered_cache.h"
#include "options.h"

namespace marquee_server {

struct ReadCaches {
  // Declared before `cache`, which uses them: destroyed after it.
  std::unique_ptr<marquee::RemoteCache> remote;
  std::unique_ptr<marquee::InvalidationBus> bus;
  // Null when the store is not shared (no cache in front of it).
  std::unique_ptr<marquee::TieredCache> cache;
  // Appends the Redis client's counters to /metrics; empty without Redis.
  std::function<void(marquee::http::PrometheusText& out)> write_redis_metrics;
  // One line for the banner.
  std::string description;
};

// The caches for `store` (which must outlive them): none unless `shared`;
// an L1 of 64 MiB; with flags.redis, the L2 and bus on that Redis under the
// key prefix and channel "marquee:<schema>:", so deployments on different
// schemas may share one Redis. Redis need not be up.
// Errors: InvalidArgument (a bad --redis, already checked by the
// settings), those of TieredCache::Open (the store's Watch); Unimplemented
// when --redis is given to a server built without marquee::redis.
absl::StatusOr<ReadCaches> OpenReadCaches(marquee::Store* store, bool shared,
                                          const ServerFlags& flags);

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_READ_CACHES_H_
