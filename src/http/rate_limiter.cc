#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "internal/absl_strings.h"

namespace marquee::http::internal {

RateLimiter::RateLimiter(double rate_per_second, double burst, size_t max_keys)
    : rate_(rate_per_second),
      burst_(burst),
      max_keys_per_stripe_(std::max<size_t>(1, max_keys / kStripes)) {}

void RateLimiter::Evict(Stripe& stripe, absl::Time now) {
  // Oldest first: scan a few from the cold end for a refilled bucket, which
  // forgets nothing that matters; else drop the coldest.
  auto it = stripe.recency.end();
  for (int scanned = 0; scanned < 8 && it != stripe.recency.begin(); ++scanned) {
    --it;
    const Bucket& b = stripe.buckets.at(*it);
    if (b.tokens + absl::ToDoubleSeconds(now - b.updated) * rate_ >= burst_) {
      stripe.buckets.erase(*it);
      stripe.recency.erase(it);
      return;
    }
  }
  stripe.buckets.erase(stripe.recency.back());
  stripe.recency.pop_back();
}

std::optional<absl::Duration> RateLimiter::Acquire(std::string_view key, absl::Time now) {
  Stripe& stripe = stripes_[std::hash<std::string_view>{}(key) % kStripes];
  std::lock_guard lock(stripe.mu);
  auto it = stripe.buckets.find(marquee::internal::Sv(key));
  if (it == stripe.buckets.end()) {
    if (stripe.buckets.size() >= max_keys_per_stripe_) Evict(stripe, now);
    stripe.recency.emplace_front(key);
    it = stripe.buckets
             .emplace(std::string(key),
                      Bucket{.tokens = burst_, .updated = now, .position = stripe.recency.begin()})
             .first;
  } else {
    stripe.recency.splice(stripe.recency.begin(), stripe.recency, it->second.position);
  }
  Bucket& b = it->second;
  if (now > b.updated) {
    b.tokens = std::min(burst_, b.tokens + absl::ToDoubleSeconds(now - b.updated) * rate_);
    b.updated = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  return absl::Seconds((1.0 - b.tokens) / rate_);
}

size_t RateLimiter::tracked_keys() {
  size_t total = 0;
  for (Stripe& stripe : stripes_) {
    std::lock_guard lock(stripe.mu);
    total += stripe.buckets.size();
  }
  return total;
}

}  // namespace marquee::http::internal
