// The change feed of a MemoryStore: retained history and live delivery.
//
// The commit leader publishes each commit, in version order. The hub keeps
// the most recent `max_history` commits so a watcher that starts late (or
// after a restart: recovery publishes the replayed log) first catches up
// from history. Each subscription has its own delivery thread, so a slow
// handler delays only itself; a subscription that falls behind the retained
// history gets OutOfRange and ends.
#ifndef MARQUEE_SRC_INTERNAL_WATCH_HUB_H_
#define MARQUEE_SRC_INTERNAL_WATCH_HUB_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/statusor.h"
#include "internal/commit.h"
#include "marquee/store.h"

namespace marquee::internal {

class WatchHub {
 public:
  // `base_version`: the version before the first commit that will be
  // published (what history starts after).
  WatchHub(size_t max_history, uint64_t base_version);
  ~WatchHub();  // Shutdown()

  // Appends a commit. REQUIRES: commit->version == last published + 1.
  void Publish(std::shared_ptr<const Commit> commit);

  // Errors: OutOfRange (history after `after_version` is gone),
  // InvalidArgument (after_version in the future), Cancelled (shut down).
  absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(uint64_t after_version,
                                                          WatchHandler handler);

  // Ends every subscription: each handler gets Cancelled once; waits for
  // their threads.
  void Shutdown();

  uint64_t last_version() const;

 private:
  struct Watcher;
  struct Core;
  class SubscriptionHandle;
  static void Deliver(const std::shared_ptr<Core>& core, const std::shared_ptr<Watcher>& watcher);

  // Shared with delivery threads and Subscription handles, so either may
  // outlive the hub.
  std::shared_ptr<Core> core_;
};

}  // namespace marquee::internal

#endif  // MARQUEE_SRC_INTERNAL_WATCH_HUB_H_
