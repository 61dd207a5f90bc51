// How long a client waits before retry number `retry` (0 for the first).
#ifndef MARQUEE_SRC_CLIENT_BACKOFF_H_
#define MARQUEE_SRC_CLIENT_BACKOFF_H_

#include "absl/time/time.h"
#include "marquee/client/client.h"

namespace marquee::client::internal {

// initial_backoff × multiplier^retry, capped at max_backoff, then scaled
// into [(1 - jitter) × w, w] by `uniform` (a draw from [0, 1)).
absl::Duration BackoffDelay(const RetryPolicy& policy, int retry, double uniform);

}  // namespace marquee::client::internal

#endif  // MARQUEE_SRC_CLIENT_BACKOFF_H_
