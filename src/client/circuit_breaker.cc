#include "client/circuit_breaker.h"

namespace marquee::client::internal {

bool CircuitBreaker::Allow(absl::Time now) {
  if (options_.failure_threshold <= 0) return true;
  std::lock_guard lock(mu_);
  if (!open_) return true;
  if (now < open_until_ || trial_in_flight_) return false;
  trial_in_flight_ = true;
  return true;
}

void CircuitBreaker::Record(bool success, absl::Time now) {
  if (options_.failure_threshold <= 0) return;
  std::lock_guard lock(mu_);
  trial_in_flight_ = false;
  if (success) {
    consecutive_failures_ = 0;
    open_ = false;
    return;
  }
  ++consecutive_failures_;
  // A failed trial reopens at once; otherwise the threshold decides.
  if (open_ || consecutive_failures_ >= options_.failure_threshold) {
    open_ = true;
    open_until_ = now + options_.open_for;
  }
}

}  // namespace marquee::client::internal
