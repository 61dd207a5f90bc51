// The client's circuit breaker: closed (calls go through), open (calls fail
// fast until open_for has passed), half-open (one trial call decides).
// Thread-safe.
#ifndef MARQUEE_SRC_CLIENT_CIRCUIT_BREAKER_H_
#define MARQUEE_SRC_CLIENT_CIRCUIT_BREAKER_H_

#include <mutex>

#include "absl/time/time.h"
#include "marquee/client/client.h"

namespace marquee::client::internal {

class CircuitBreaker {
 public:
  explicit CircuitBreaker(CircuitBreakerOptions options) : options_(options) {}

  // Whether an attempt may go to the network at `now`. When open_for has
  // passed, exactly one caller is let through as the trial; the others
  // keep failing fast until it reports.
  bool Allow(absl::Time now);
  // The outcome of an attempt that Allow let through.
  void Record(bool success, absl::Time now);

 private:
  const CircuitBreakerOptions options_;
  std::mutex mu_;
  int consecutive_failures_ = 0;
  bool open_ = false;
  absl::Time open_until_ = absl::InfinitePast();
  bool trial_in_flight_ = false;
};

}  // namespace marquee::client::internal

#endif  // MARQUEE_SRC_CLIENT_CIRCUIT_BREAKER_H_
