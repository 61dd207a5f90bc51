// src/internal/invalidation_fanout.h — carries committed changes to the
// shared tier and the other processes, and remembers what did not get there.
//
// A change must invalidate L2 and be published on the bus. When either is
// down, the change is kept in a bounded pending set and retried; until it
// gets through, L2 is not trusted for that key (it may still hold the old
// value). If the pending set overflows, L2 is not trusted at all until every
// value written before the overflow has expired from it (remote_ttl).
// Thread-safety: thread-safe.
#ifndef MARQUEE_SRC_INTERNAL_INVALIDATION_FANOUT_H_
#define MARQUEE_SRC_INTERNAL_INVALIDATION_FANOUT_H_

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "marquee/cache_tier.h"
#include "marquee/clock.h"

namespace marquee::internal {

class InvalidationFanout {
 public:
  struct Options {
    RemoteCache* remote = nullptr;  // may be null
    InvalidationBus* bus = nullptr;  // may be null
    bool publish = true;
    absl::Duration remote_ttl = absl::Minutes(10);
    size_t max_pending = 100'000;
    absl::Duration retry_interval = absl::Milliseconds(100);
    Clock* clock = nullptr;
  };
  explicit InvalidationFanout(Options options);

  // Invalidates L2 and publishes `changes`; keeps what failed for a retry.
  // Returns the number of remote calls that failed.
  int Send(std::vector<KeyVersion> changes);

  // Retries the pending changes if the last attempt is older than
  // retry_interval. Cheap when nothing is pending.
  void RetryPendingIfDue();

  // False while L2 may hold an older value of `key` than the store.
  bool RemoteTrusted(std::string_view key) const;

  size_t pending() const;

 private:
  struct Pending {
    uint64_t version = 0;
    bool remote = false;   // L2 not yet invalidated
    bool publish = false;  // not yet published
  };
  // Tries both sends; returns what still has to be done per change.
  void Attempt(const std::vector<KeyVersion>& changes, std::vector<Pending>* outcome, int* failures);
  void Remember(const std::vector<KeyVersion>& changes, const std::vector<Pending>& outcome);

  Options options_;
  mutable std::mutex mu_;
  absl::flat_hash_map<std::string, Pending> pending_;
  std::atomic<bool> has_pending_{false};
  absl::Time last_retry_ = absl::InfinitePast();
  // L2 is untrusted for every key until this time (after an overflow).
  std::atomic<int64_t> untrusted_until_micros_{0};
};

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_INVALIDATION_FANOUT_H_
