// src/internal/striped_counters.h — statistics counters that scale with cores.
//
// A single atomic counter bumped on every cache hit would bounce its cache
// line between cores and cap hit throughput. Each thread instead adds to one
// of kStripes cache-line-sized stripes (picked once per thread); reading sums
// the stripes. Reads are not a snapshot across counters, which statistics
// do not need.
#ifndef MARQUEE_SRC_INTERNAL_STRIPED_COUNTERS_H_
#define MARQUEE_SRC_INTERNAL_STRIPED_COUNTERS_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace marquee::internal {

// Index of the calling thread's stripe, assigned round-robin on first use.
inline size_t ThisThreadStripe() {
  static std::atomic<size_t> next_stripe{0};
  thread_local const size_t stripe = next_stripe.fetch_add(1, std::memory_order_relaxed);
  return stripe;
}

template <size_t kCounters>
class StripedCounters {
 public:
  static constexpr size_t kStripes = 16;

  void Add(size_t counter, uint64_t n = 1) {
    stripes_[ThisThreadStripe() % kStripes].values[counter].fetch_add(n, std::memory_order_relaxed);
  }

  uint64_t Sum(size_t counter) const {
    uint64_t total = 0;
    for (const Stripe& stripe : stripes_) total += stripe.values[counter].load(std::memory_order_relaxed);
    return total;
  }

 private:
  struct alignas(64) Stripe {
    std::array<std::atomic<uint64_t>, kCounters> values{};
  };
  std::array<Stripe, kStripes> stripes_{};
};

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_STRIPED_COUNTERS_H_
