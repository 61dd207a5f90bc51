// RateLimiter: token buckets keyed by a string (an API key's name, a client
// address), for the 429 of delivery routes.
//
// Each key holds up to `burst` tokens, refilled at `rate_per_second`; a
// request takes one. The table is bounded: past max_keys, the keys whose
// buckets are full again (idle long enough to have refilled) are dropped
// first, and if none is, the least recently seen key goes; so a flood of
// distinct addresses costs bounded memory and a dropped key only loses
// the memory of its recent requests.
// Thread-safety: Acquire is thread-safe (striped locks).
#ifndef MARQUEE_SRC_HTTP_RATE_LIMITER_H_
#define MARQUEE_SRC_HTTP_RATE_LIMITER_H_

#include <array>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"

namespace marquee::http::internal {

class RateLimiter {
 public:
  // REQUIRES: rate_per_second > 0, burst >= 1, max_keys >= 1.
  RateLimiter(double rate_per_second, double burst, size_t max_keys);

  // Takes a token of `key` at `now`: none when granted, else how long until
  // one is available (for Retry-After).
  std::optional<absl::Duration> Acquire(std::string_view key, absl::Time now);

  // Keys currently tracked (at most about max_keys).
  size_t tracked_keys();

 private:
  static constexpr size_t kStripes = 16;
  struct Bucket {
    double tokens;
    absl::Time updated;
    std::list<std::string>::iterator position;  // in Stripe::recency
  };
  struct Stripe {
    std::mutex mu;
    absl::flat_hash_map<std::string, Bucket> buckets;
    std::list<std::string> recency;  // most recently seen first
  };
  void Evict(Stripe& stripe, absl::Time now);

  const double rate_;
  const double burst_;
  const size_t max_keys_per_stripe_;
  std::array<Stripe, kStripes> stripes_;
};

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_RATE_LIMITER_H_
