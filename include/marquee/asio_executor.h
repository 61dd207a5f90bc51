// marquee/asio_executor.h — an Executor over a host's Boost.Asio executor.
//
// For hosts that already run an io_context or thread_pool: Marquee's
// background work then shares their threads. Header-only, so core itself
// does not expose Asio; include it only where Asio is wanted.
// Thread-safety: as the wrapped executor (Asio executors are thread-safe).
//
//   boost::asio::io_context io;
//   marquee::AsioExecutor executor(io.get_executor());
//   auto cache = marquee::Cache<Record>({.executor = &executor});
#ifndef MARQUEE_ASIO_EXECUTOR_H_
#define MARQUEE_ASIO_EXECUTOR_H_

#include <functional>
#include <utility>

#include <boost/asio/post.hpp>

#include "marquee/executor.h"

namespace marquee {

template <class AsioExecutorType>
class AsioExecutor final : public Executor {
 public:
  explicit AsioExecutor(AsioExecutorType executor) : executor_(std::move(executor)) {}
  void Post(std::function<void()> task) override {
    boost::asio::post(executor_, std::move(task));
  }

 private:
  AsioExecutorType executor_;
};

}  // namespace marquee

#endif  // MARQUEE_ASIO_EXECUTOR_H_
