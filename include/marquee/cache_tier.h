// marquee/cache_tier.h — what the tiered cache needs from a shared tier.
//
// Two interfaces the tiered cache (marquee/tiered_cache.h) is written
// against, so core stays free of any network client:
//   - RemoteCache: a second-level cache shared by every node (L2), holding
//     opaque bytes stamped with a record version;
//   - InvalidationBus: broadcasts "key changed at version v" between
//     processes, so every node's L1 drops the key.
// marquee::redis (marquee/redis/redis_cache.h) implements both on Redis.
// Thread-safety: implementations are thread-safe.
#ifndef MARQUEE_CACHE_TIER_H_
#define MARQUEE_CACHE_TIER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/export.h"

namespace marquee {

// A key and the version it changed at.
struct KeyVersion {
  std::string key{};
  uint64_t version = 0;
};

class MARQUEE_EXPORT RemoteCache {
 public:
  struct Hit {
    std::string bytes{};
    uint64_t version = 0;
  };
  virtual ~RemoteCache() = default;

  // One result per key, in order: the value, or nullopt for a miss.
  // Errors: Unavailable when the tier cannot be reached in time (callers
  // fall back to the store); DataLoss for a value it cannot decode.
  virtual absl::StatusOr<std::vector<std::optional<Hit>>> MultiGet(
      std::span<const std::string> keys) = 0;

  // Stores `bytes` for `ttl` unless the tier holds a newer version of the
  // key or a newer invalidation mark. Errors: Unavailable.
  virtual absl::Status Put(std::string_view key, std::string_view bytes, uint64_t version,
                           absl::Duration ttl) = 0;

  // For each key: drops a value older than its version and leaves a mark
  // that refuses older Puts for a while. Errors: Unavailable.
  virtual absl::Status Invalidate(std::span<const KeyVersion> changes) = 0;
};

class MARQUEE_EXPORT InvalidationBus {
 public:
  struct Handlers {
    // A key changed at a version, published by any node (this one included).
    std::function<void(std::string_view key, uint64_t version)> on_invalidate;
    // Deliveries may have been lost (the connection dropped, or was just
    // re-established): the receiver must drop everything it cached.
    std::function<void()> on_gap;
  };
  // Stops delivery when destroyed; waits for a handler call in progress.
  class Subscription {
   public:
    virtual ~Subscription() = default;
    // True while the bus connection is up and subscribed.
    virtual bool connected() const = 0;
  };
  virtual ~InvalidationBus() = default;

  // Sends the changes to every subscriber. Errors: Unavailable.
  virtual absl::Status Publish(std::span<const KeyVersion> changes) = 0;

  // Starts delivering to `handlers` on the bus's own thread; keeps
  // reconnecting while the bus is down (calling on_gap on loss and again
  // once resubscribed). Errors: InvalidArgument for missing handlers.
  virtual absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(Handlers handlers) = 0;
};

}  // namespace marquee

#endif  // MARQUEE_CACHE_TIER_H_
