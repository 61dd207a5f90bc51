#include "client/backoff.h"

#include <algorithm>
#include <cmath>

namespace marquee::client::internal {

absl::Duration BackoffDelay(const RetryPolicy& policy, int retry, double uniform) {
  // Grow in double seconds and cap before converting, so a large retry
  // count cannot overflow a Duration.
  const double cap = absl::ToDoubleSeconds(policy.max_backoff);
  double wait = absl::ToDoubleSeconds(policy.initial_backoff) *
                std::pow(policy.multiplier, static_cast<double>(std::max(retry, 0)));
  if (!(wait <= cap)) wait = cap;  // also catches inf and NaN
  const double u = std::clamp(uniform, 0.0, 1.0);
  return absl::Seconds(wait * (1.0 - policy.jitter * u));
}

}  // namespace marquee::client::internal
