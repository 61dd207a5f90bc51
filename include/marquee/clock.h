// marquee/clock.h — an injectable source of time.
//
// Everything in Marquee that reads the time (record timestamps, TTLs,
// schedules) asks a Clock, so tests and simulations control time.
// Thread-safety: Clock implementations are thread-safe.
//
//   marquee::ManualClock clock(absl::FromUnixSeconds(1'700'000'000));
//   auto store = marquee::OpenMemoryStore({.clock = &clock});
//   clock.Advance(absl::Hours(1));
#ifndef MARQUEE_CLOCK_H_
#define MARQUEE_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "absl/time/time.h"
#include "marquee/export.h"

namespace marquee {

class MARQUEE_EXPORT Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;

  // The process-wide wall clock. Never null; lives for the whole program.
  static Clock* Real();
};

// A clock that moves only when told to. Useful in tests and simulations.
class MARQUEE_EXPORT ManualClock final : public Clock {
 public:
  explicit ManualClock(absl::Time start = absl::UnixEpoch())
      : now_micros_(absl::ToUnixMicros(start)) {}

  absl::Time Now() const override {
    return absl::FromUnixMicros(now_micros_.load(std::memory_order_acquire));
  }
  void Set(absl::Time t) { now_micros_.store(absl::ToUnixMicros(t), std::memory_order_release); }
  void Advance(absl::Duration d) {
    now_micros_.fetch_add(absl::ToInt64Microseconds(d), std::memory_order_acq_rel);
  }

 private:
  std::atomic<int64_t> now_micros_;
};

}  // namespace marquee

#endif  // MARQUEE_CLOCK_H_
