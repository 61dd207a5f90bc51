#include "internal/watch_hub.h"

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"

namespace marquee::internal {

// State shared by the delivery thread, the Subscription handle and the hub.
struct WatchHub::Watcher {
  WatchHandler handler;
  std::atomic<uint64_t> position{0};
  bool stop = false;  // guarded by Core::mu
  std::thread thread;
  std::mutex join_mu;  // whoever stops the watcher first joins its thread

  void Join() {
    std::lock_guard lock(join_mu);
    if (!thread.joinable()) return;
    // A handler that ends its own subscription cannot join its own thread.
    if (thread.get_id() == std::this_thread::get_id()) {
      thread.detach();
    } else {
      thread.join();
    }
  }
};

struct WatchHub::Core {
  size_t max_history;
  std::mutex mu;
  std::condition_variable changed;
  std::deque<std::shared_ptr<const Commit>> history;
  uint64_t base_version;  // version just before history.front()
  uint64_t last_version;
  bool shutdown = false;
  std::vector<std::weak_ptr<Watcher>> watchers;
};

class WatchHub::SubscriptionHandle final : public Subscription {
 public:
  SubscriptionHandle(std::shared_ptr<Core> core, std::shared_ptr<Watcher> watcher)
      : core_(std::move(core)), watcher_(std::move(watcher)) {}
  ~SubscriptionHandle() override {
    {
      std::lock_guard lock(core_->mu);
      watcher_->stop = true;
    }
    core_->changed.notify_all();
    watcher_->Join();
  }
  uint64_t position() const override { return watcher_->position.load(); }

 private:
  std::shared_ptr<Core> core_;
  std::shared_ptr<Watcher> watcher_;
};

WatchHub::WatchHub(size_t max_history, uint64_t base_version)
    : core_(std::make_shared<Core>()) {
  core_->max_history = max_history == 0 ? 1 : max_history;
  core_->base_version = base_version;
  core_->last_version = base_version;
}

WatchHub::~WatchHub() { Shutdown(); }

uint64_t WatchHub::last_version() const {
  std::lock_guard lock(core_->mu);
  return core_->last_version;
}

void WatchHub::Publish(std::shared_ptr<const Commit> commit) {
  Core& c = *core_;
  {
    std::lock_guard lock(c.mu);
    c.last_version = commit->version;
    c.history.push_back(std::move(commit));
    while (c.history.size() > c.max_history) {
      c.base_version = c.history.front()->version;
      c.history.pop_front();
    }
  }
  c.changed.notify_all();
}

absl::StatusOr<std::unique_ptr<Subscription>> WatchHub::Subscribe(uint64_t after_version,
                                                                  WatchHandler handler) {
  auto watcher = std::make_shared<Watcher>();
  watcher->handler = std::move(handler);
  watcher->position = after_version;
  Core& c = *core_;
  {
    std::lock_guard lock(c.mu);
    if (c.shutdown) return absl::CancelledError("the store is shutting down");
    if (after_version > c.last_version) {
      return absl::InvalidArgumentError(absl::StrCat("cannot watch after version ", after_version,
                                                     ": the store is at version ", c.last_version));
    }
    if (after_version < c.base_version) {
      return absl::OutOfRangeError(absl::StrCat(
          "changes after version ", after_version, " are no longer retained (history starts after ",
          c.base_version, "); reload, then watch from the current version"));
    }
    // Drop handles of ended watchers so the list does not grow without bound.
    std::erase_if(c.watchers, [](const std::weak_ptr<Watcher>& w) { return w.expired(); });
    c.watchers.push_back(watcher);
    std::lock_guard join_lock(watcher->join_mu);
    watcher->thread = std::thread([core = core_, watcher] { Deliver(core, watcher); });
  }
  return std::unique_ptr<Subscription>(new SubscriptionHandle(core_, std::move(watcher)));
}

void WatchHub::Deliver(const std::shared_ptr<Core>& core, const std::shared_ptr<Watcher>& watcher) {
  Core& c = *core;
  std::vector<std::shared_ptr<const Commit>> batch;
  while (true) {
    absl::Status end;
    {
      std::unique_lock lock(c.mu);
      const uint64_t position = watcher->position.load();
      c.changed.wait(lock, [&] { return watcher->stop || c.shutdown || c.last_version > position; });
      if (watcher->stop) return;
      if (c.shutdown) {
        end = absl::CancelledError("the store is shutting down");
      } else if (position < c.base_version) {
        end = absl::OutOfRangeError(absl::StrCat(
            "watcher at version ", position, " fell behind the retained history (starts after ",
            c.base_version, "); reload, then watch from the current version"));
      } else {
        // Copy pointers to the next commits, then deliver without the lock.
        size_t first = position - c.base_version;
        for (size_t i = first; i < c.history.size() && batch.size() < 256; ++i) {
          batch.push_back(c.history[i]);
        }
      }
    }
    if (!end.ok()) {
      watcher->handler(end);
      return;
    }
    for (const auto& commit : batch) {
      for (const Change& change : commit->changes) watcher->handler(change);
      watcher->position.store(commit->version);
    }
    batch.clear();
  }
}

void WatchHub::Shutdown() {
  Core& c = *core_;
  std::vector<std::shared_ptr<Watcher>> live;
  {
    std::lock_guard lock(c.mu);
    c.shutdown = true;
    for (auto& weak : c.watchers) {
      if (auto w = weak.lock()) live.push_back(std::move(w));
    }
    c.watchers.clear();
  }
  c.changed.notify_all();
  for (auto& w : live) w->Join();
}

}  // namespace marquee::internal
