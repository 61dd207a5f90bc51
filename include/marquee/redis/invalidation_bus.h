// marquee/redis/invalidation_bus.h — Redis pub/sub as the invalidation bus.
//
// RedisInvalidationBus implements marquee::InvalidationBus
// (marquee/cache_tier.h) on one Redis pub/sub channel (options.channel).
// Publish sends each batch of changes as one PUBLISH (split above 64 KiB).
// Each Subscription runs its own thread with its own connection; it
// delivers every change of every well-formed message to on_invalidate, and
// ignores (and counts) malformed ones. Pub/sub is fire-and-forget, so when
// the connection drops the subscriber calls on_gap, reconnects every
// retry_after, resubscribes and calls on_gap once more (anything loaded
// while it was deaf may be stale). It PINGs the server every
// bus_heartbeat_interval, so a hung server or a silent partition counts as
// a lost connection too. Destroying a Subscription stops its thread within
// about 50 ms (after a handler call in progress returns).
// Thread-safety: every method may be called concurrently; handlers run on
// the subscription's thread, one call at a time.
//
//   auto bus = *marquee::redis::OpenRedisInvalidationBus({.host = "10.0.0.7"});
//   auto sub = *bus->Subscribe({
//       .on_invalidate = [&](std::string_view key, uint64_t v) { l1->Invalidate(key, v); },
//       .on_gap = [&] { l1->Clear(); }});
//   bus->Publish(changes).IgnoreError();  // after the store committed them
#ifndef MARQUEE_REDIS_INVALIDATION_BUS_H_
#define MARQUEE_REDIS_INVALIDATION_BUS_H_

#include <cstdint>
#include <memory>
#include <span>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "marquee/cache_tier.h"
#include "marquee/export.h"
#include "marquee/redis/redis_options.h"

namespace marquee::redis {

// Counters since the bus was opened, over all of its subscriptions.
struct InvalidationBusStats {
  uint64_t published_changes = 0;    // changes sent by Publish
  uint64_t published_messages = 0;   // PUBLISH commands they took
  uint64_t publish_errors = 0;       // Publish calls that failed talking to Redis
  uint64_t fast_failures = 0;        // Publish calls refused at once by the circuit breaker
  uint64_t delivered_changes = 0;    // on_invalidate calls
  uint64_t malformed_messages = 0;   // messages ignored as malformed
  uint64_t gaps = 0;                 // on_gap calls
  uint64_t subscribes = 0;           // successful (re)subscriptions
};

class RedisInvalidationBus;

// Opens the bus without connecting. Errors: InvalidArgument for bad options.
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<std::unique_ptr<RedisInvalidationBus>>
OpenRedisInvalidationBus(const RedisOptions& options);

class MARQUEE_EXPORT RedisInvalidationBus final : public InvalidationBus {
 public:
  ~RedisInvalidationBus() override;
  RedisInvalidationBus(const RedisInvalidationBus&) = delete;
  RedisInvalidationBus& operator=(const RedisInvalidationBus&) = delete;

  // Publishes the changes (none: no round trip). Errors: InvalidArgument
  // for a key longer than 16 MiB; Unavailable (Redis unreachable, too slow,
  // or the circuit breaker is open).
  [[nodiscard]] absl::Status Publish(std::span<const KeyVersion> changes) override;

  // Connects and subscribes before returning when Redis is up (within
  // connect_timeout plus command_timeout); when it is not, returns anyway
  // with connected() false and keeps trying in the background, calling
  // on_gap once subscribed. A Subscription may outlive the bus.
  // Errors: InvalidArgument when on_invalidate or on_gap is empty;
  // ResourceExhausted when no thread can be started.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(
      Handlers handlers) override;

  InvalidationBusStats stats() const;

 private:
  struct Impl;
  friend absl::StatusOr<std::unique_ptr<RedisInvalidationBus>> OpenRedisInvalidationBus(
      const RedisOptions&);
  explicit RedisInvalidationBus(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace marquee::redis

#endif  // MARQUEE_REDIS_INVALIDATION_BUS_H_
