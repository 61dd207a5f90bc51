// One subscription to the invalidation bus: a thread with its own
// non-blocking hiredis connection. It connects, AUTHs, SUBSCRIBEs, then
// polls the socket in short slices (so destruction is prompt), parses
// messages with DecodeBusMessage and hands each change to on_invalidate.
// It PINGs every bus_heartbeat_interval and treats a PING unanswered within
// command_timeout like a dropped connection. On loss it calls on_gap,
// retries every retry_after, and calls on_gap again once resubscribed.
// Thread-safety: connected() may be called from any thread; the destructor
// must not run on the subscription's own thread (inside a handler).
#ifndef MARQUEE_SRC_REDIS_BUS_SUBSCRIBER_H_
#define MARQUEE_SRC_REDIS_BUS_SUBSCRIBER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/cache_tier.h"
#include "marquee/redis/redis_options.h"

struct redisContext;
struct redisReply;

namespace marquee::redis::internal {

// Counters shared by a bus and its subscriptions (which may outlive it).
struct BusCounters {
  std::atomic<uint64_t> delivered_changes{0};
  std::atomic<uint64_t> malformed_messages{0};
  std::atomic<uint64_t> gaps{0};
  std::atomic<uint64_t> subscribes{0};
};

class BusSubscriber final : public InvalidationBus::Subscription {
 public:
  // Tries to subscribe once on the calling thread, then starts the thread.
  // Errors: ResourceExhausted when the thread cannot be started.
  static absl::StatusOr<std::unique_ptr<BusSubscriber>> Start(
      const RedisOptions& options, InvalidationBus::Handlers handlers,
      std::shared_ptr<BusCounters> counters);
  ~BusSubscriber() override;

  bool connected() const override { return connected_.load(std::memory_order_acquire); }

 private:
  BusSubscriber(const RedisOptions& options, InvalidationBus::Handlers handlers,
                std::shared_ptr<BusCounters> counters);

  void Run(bool gap_pending);
  // Connects and subscribes; leaves context_ set on success, null on failure.
  absl::Status ConnectAndSubscribe();
  // Serves the subscription until the connection is lost or stop_.
  absl::Status Serve();
  // Writes out hiredis' output buffer, waiting for the socket until `deadline`.
  absl::Status Flush(absl::Time deadline);
  // Waits until the socket is ready for `events` or `deadline`, in slices
  // that notice stop_. Returns false on timeout, stop or error.
  bool WaitFor(short events, absl::Time deadline);
  // Reads what arrived; handles every complete reply. `subscribed` is set
  // when the SUBSCRIBE confirmation arrives.
  absl::Status ReadReplies(bool* subscribed, bool* pong);
  void HandleReply(const ::redisReply& reply, bool* subscribed, bool* pong);
  void Disconnect();
  void SleepUnlessStopped(absl::Duration duration);
  bool stopping() const { return stop_.load(std::memory_order_acquire); }

  const RedisOptions options_;
  const InvalidationBus::Handlers handlers_;
  const std::shared_ptr<BusCounters> counters_;
  redisContext* context_ = nullptr;  // the subscription thread's alone
  std::atomic<bool> connected_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace marquee::redis::internal

#endif  // MARQUEE_SRC_REDIS_BUS_SUBSCRIBER_H_
