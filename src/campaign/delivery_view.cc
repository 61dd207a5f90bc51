// DeliveryView: loading, following the change feed on one worker thread,
// and publishing snapshots.
//
// The store's watch thread only queues changes; the worker applies them.
// A commit is published whole: the worker reads the subscription's position
// (updated by the store after every change of a commit was delivered)
// before draining the queue, so changes of a commit beyond that position
// wait for the rest of their commit.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/delivery_internal.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/delivery_view.h"

namespace marquee::campaign {

struct DeliveryView::Impl {
  Store* store = nullptr;
  DeliveryViewOptions options;

  // Published state, read by any thread.
  mutable std::mutex snapshot_mu;
  std::shared_ptr<const DeliverySnapshot> current;
  mutable std::condition_variable version_cv;
  uint64_t version = 0;            // guarded by snapshot_mu
  absl::Status feed_error;         // guarded by snapshot_mu; set when the feed ended for good
  bool stopping = false;           // guarded by snapshot_mu
  DeliveryViewStats stats;         // guarded by snapshot_mu

  // The queue between the store's watch thread and the worker.
  std::mutex queue_mu;
  std::condition_variable queue_cv;        // the worker waits for changes
  std::condition_variable queue_space_cv;  // the watch thread waits for room
  std::deque<absl::StatusOr<Change>> queue;  // guarded by queue_mu
  bool stop = false;                         // guarded by queue_mu
  bool discard = false;  // guarded by queue_mu; the subscription is being dropped

  // Worker-only state.
  std::unique_ptr<Subscription> subscription;
  internal::DeliveryState state;
  std::vector<Change> pending;  // drained, not yet applied (their commit is incomplete)
  std::thread worker;

  ~Impl() {
    {
      std::lock_guard lock(queue_mu);
      stop = true;
    }
    queue_cv.notify_all();
    queue_space_cv.notify_all();
    {
      std::lock_guard lock(snapshot_mu);
      stopping = true;
    }
    version_cv.notify_all();
    if (worker.joinable()) worker.join();
    subscription.reset();  // waits for a handler call in progress
  }

  absl::Status Scan(std::string_view collection) {
    ScanRequest request{.collection = std::string(collection), .limit = options.scan_page,
                        .max_scanned = options.scan_page};
    while (true) {
      absl::StatusOr<ScanResult> page = store->Scan(request);
      if (!page.ok()) return page.status();
      for (const Record& record : page->records) state.ApplyRecord(record);
      if (!page->more || !page->end.has_value()) return absl::OkStatus();
      request.after = page->end;
    }
  }

  // Subscribes at the current version, then scans: a change committed
  // during the scan is both maybe-scanned and queued, and the state skips
  // it when the scan already had it.
  absl::Status Load() {
    absl::Status last;
    for (int attempt = 0; attempt < 8; ++attempt) {
      DropSubscription();
      pending.clear();
      state.Clear();
      const uint64_t from = store->CurrentVersion();
      absl::StatusOr<std::unique_ptr<Subscription>> sub = store->Watch(
          from, [this](const absl::StatusOr<Change>& change) { Enqueue(change); });
      if (absl::IsOutOfRange(sub.status())) {
        last = sub.status();
        continue;
      }
      if (!sub.ok()) return sub.status();
      subscription = *std::move(sub);
      for (std::string_view c : {kSegmentsCollection, kCampaignsCollection, kFeaturesCollection}) {
        if (absl::Status s = Scan(c); !s.ok()) return s;
      }
      state.BeginCatchUp(store->CurrentVersion());
      Publish(from);
      return absl::OkStatus();
    }
    return last;
  }

  // On the store's watch thread.
  void Enqueue(const absl::StatusOr<Change>& change) {
    {
      std::unique_lock lock(queue_mu);
      queue_space_cv.wait(lock, [&] {
        return stop || discard || queue.size() < options.max_queued_changes;
      });
      if (stop || discard) return;
      queue.push_back(change);
    }
    queue_cv.notify_one();
  }

  // Ends the subscription; a handler waiting for room gives up first, as
  // destroying the subscription waits for it.
  void DropSubscription() {
    {
      std::lock_guard lock(queue_mu);
      discard = true;
      queue.clear();
    }
    queue_space_cv.notify_all();
    subscription.reset();
    std::lock_guard lock(queue_mu);
    discard = false;
    queue.clear();
  }

  void Publish(uint64_t v) {
    std::shared_ptr<const DeliverySnapshot> snap = state.Publish(v);
    {
      std::lock_guard lock(snapshot_mu);
      current = std::move(snap);
      if (v > version) version = v;
      ++stats.snapshots_published;
    }
    version_cv.notify_all();
  }

  void EndFeed(absl::Status status) {
    {
      std::lock_guard lock(snapshot_mu);
      feed_error = std::move(status);
    }
    version_cv.notify_all();
  }

  // Applies drained changes of complete commits; returns whether some wait
  // for the rest of their commit.
  bool ApplyComplete(uint64_t position) {
    if (pending.empty()) return false;
    const uint64_t last = pending.back().version;
    const uint64_t through = position >= last ? last : last - 1;
    size_t n = 0;
    uint64_t applied = 0, skipped = 0;
    for (; n < pending.size() && pending[n].version <= through; ++n) {
      if (options.on_change) options.on_change(pending[n]);
      if (state.ApplyChange(pending[n])) {
        ++applied;
      } else {
        ++skipped;
      }
    }
    if (n > 0) {
      pending.erase(pending.begin(), pending.begin() + static_cast<ptrdiff_t>(n));
      {
        std::lock_guard lock(snapshot_mu);
        stats.changes_applied += applied;
        stats.changes_skipped += skipped;
      }
      Publish(through);
    }
    return !pending.empty();
  }

  void Reload() {
    {
      std::lock_guard lock(snapshot_mu);
      ++stats.reloads;
    }
    absl::Status loaded = Load();
    if (!loaded.ok()) {
      EndFeed(absl::UnavailableError(
          absl::StrCat("delivery view could not reload after falling behind: ", loaded.message())));
      return;
    }
    if (options.on_reload) options.on_reload();
  }

  void Run() {
    bool waiting_for_commit = false;
    while (true) {
      std::deque<absl::StatusOr<Change>> drained;
      uint64_t position = 0;
      {
        std::unique_lock lock(queue_mu);
        auto ready = [&] { return stop || !queue.empty(); };
        if (waiting_for_commit) {
          // The rest of a commit is on its way; the position moves without
          // a notification, so look again shortly.
          queue_cv.wait_for(lock, std::chrono::milliseconds(1), ready);
        } else {
          queue_cv.wait(lock, ready);
        }
        if (stop) return;
        // Read before draining: every change of a commit at or below the
        // position was queued before the position moved past it.
        position = subscription != nullptr ? subscription->position() : 0;
        drained.swap(queue);
      }
      queue_space_cv.notify_all();
      bool feed_ended = false;
      for (absl::StatusOr<Change>& item : drained) {
        if (item.ok()) {
          pending.push_back(*std::move(item));
          continue;
        }
        ApplyComplete(UINT64_MAX);  // everything delivered before an error is whole
        if (absl::IsOutOfRange(item.status())) {
          Reload();
        } else {
          EndFeed(item.status());
        }
        feed_ended = true;
        break;
      }
      if (feed_ended) {
        waiting_for_commit = false;
        continue;
      }
      waiting_for_commit = ApplyComplete(position);
    }
  }
};

DeliveryView::DeliveryView(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DeliveryView::~DeliveryView() = default;

absl::StatusOr<std::unique_ptr<DeliveryView>> DeliveryView::Open(Store* store,
                                                                 DeliveryViewOptions options) {
  if (store == nullptr) return absl::InvalidArgumentError("DeliveryView: store is null");
  if (options.scan_page == 0) {
    return absl::InvalidArgumentError("DeliveryViewOptions.scan_page: must be > 0");
  }
  if (options.max_queued_changes == 0) {
    return absl::InvalidArgumentError("DeliveryViewOptions.max_queued_changes: must be > 0");
  }
  auto impl = std::make_unique<Impl>();
  impl->store = store;
  impl->options = std::move(options);
  if (absl::Status s = impl->Load(); !s.ok()) return s;
  Impl* raw = impl.get();
  impl->worker = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<DeliveryView>(new DeliveryView(std::move(impl)));
}

std::shared_ptr<const DeliverySnapshot> DeliveryView::snapshot() const {
  std::lock_guard lock(impl_->snapshot_mu);
  return impl_->current;
}

uint64_t DeliveryView::version() const {
  std::lock_guard lock(impl_->snapshot_mu);
  return impl_->version;
}

absl::Status DeliveryView::WaitForVersion(uint64_t v, absl::Duration timeout) const {
  std::unique_lock lock(impl_->snapshot_mu);
  // Capped so an infinite timeout does not overflow the clock.
  const auto deadline = std::chrono::steady_clock::now() +
                        absl::ToChronoNanoseconds(std::min(timeout, absl::Hours(24 * 365)));
  while (impl_->version < v) {
    if (impl_->stopping) return absl::CancelledError("delivery view is shutting down");
    if (!impl_->feed_error.ok()) return impl_->feed_error;
    if (impl_->version_cv.wait_until(lock, deadline) == std::cv_status::timeout &&
        impl_->version < v) {
      return absl::DeadlineExceededError(absl::StrCat("delivery view at version ", impl_->version,
                                                      ", waited for ", v));
    }
  }
  return absl::OkStatus();
}

DeliveryViewStats DeliveryView::stats() const {
  std::lock_guard lock(impl_->snapshot_mu);
  return impl_->stats;
}

}  // namespace marquee::campaign
