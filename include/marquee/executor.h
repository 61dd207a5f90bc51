// marquee/executor.h — where Marquee runs its background work.
//
// Caches refresh stale entries, the tiered cache fans out invalidations, and
// later the server runs roll-ups, all on an Executor. Marquee's own pools run
// on Boost.Asio; a host that already has an Asio executor can hand it over
// with marquee/asio_executor.h instead.
// Thread-safety: Post may be called from any thread.
//
//   auto pool = marquee::MakeThreadPoolExecutor(2);
//   pool->Post([] { RefreshSomething(); });
#ifndef MARQUEE_EXECUTOR_H_
#define MARQUEE_EXECUTOR_H_

#include <functional>
#include <memory>

#include "marquee/export.h"

namespace marquee {

class MARQUEE_EXPORT Executor {
 public:
  virtual ~Executor() = default;
  // Runs `task` later on one of the executor's threads. Tasks must not throw.
  virtual void Post(std::function<void()> task) = 0;
};

// A pool of `threads` threads (at least 1) on a boost::asio::thread_pool.
// Destroying it waits for the tasks already posted, then joins the threads.
[[nodiscard]] MARQUEE_EXPORT std::unique_ptr<Executor> MakeThreadPoolExecutor(int threads);

}  // namespace marquee

#endif  // MARQUEE_EXECUTOR_H_
