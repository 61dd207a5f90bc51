// Marquee's own Executor: a boost::asio::thread_pool.
#include "marquee/executor.h"

#include <algorithm>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace marquee {
namespace {

class ThreadPoolExecutor final : public Executor {
 public:
  explicit ThreadPoolExecutor(int threads) : pool_(static_cast<size_t>(std::max(threads, 1))) {}
  // Finish what was posted before the threads go: callers rely on posted
  // work (refreshes, fan-out) running exactly once.
  ~ThreadPoolExecutor() override { pool_.join(); }

  void Post(std::function<void()> task) override { boost::asio::post(pool_, std::move(task)); }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace

std::unique_ptr<Executor> MakeThreadPoolExecutor(int threads) {
  return std::make_unique<ThreadPoolExecutor>(threads);
}

}  // namespace marquee
