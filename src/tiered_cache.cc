// TieredCache: read-through L1 -> L2 -> store, kept coherent by the store's
// change feed and the invalidation bus.
#include "marquee/tiered_cache.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "internal/absl_strings.h"
#include "internal/invalidation_fanout.h"
#include "internal/log_format.h"
#include "marquee/status.h"

namespace marquee {
namespace {

using Loaded = Cache<Record>::Loaded;

// L2 holds a record as a one-change commit in the log's encoding: a format
// that is already versioned, validated on decode and tested.
std::string EncodeRecord(const Record& record) {
  internal::Commit commit;
  commit.version = record.version;
  commit.changes.push_back({.version = record.version,
                            .kind = Change::Kind::kPut,
                            .collection = record.collection,
                            .id = record.id,
                            .record = record});
  std::string bytes;
  internal::EncodeCommit(commit, &bytes);
  return bytes;
}

absl::StatusOr<Record> DecodeRecord(std::string_view bytes, std::string_view collection, std::string_view id) {
  absl::StatusOr<internal::Commit> commit = internal::DecodeCommit(bytes);
  if (!commit.ok()) return commit.status();
  if (commit->changes.size() != 1 || commit->changes[0].kind != Change::Kind::kPut ||
      commit->changes[0].record.collection != collection || commit->changes[0].record.id != id) {
    return absl::DataLossError(absl::StrCat("the shared cache holds something else under '",
                                            internal::Sv(collection), "/", internal::Sv(id), "'"));
  }
  return std::move(commit->changes[0].record);
}

size_t ChargeOf(const Record& record) {
  return sizeof(Record) + record.collection.size() + record.id.size() + record.body.text().size();
}

}  // namespace

struct TieredCache::Impl {
  Store* store = nullptr;
  TieredCacheOptions options;
  std::unique_ptr<Executor> owned_executor;
  Executor* executor = nullptr;

  std::atomic<uint64_t> remote_hits{0};
  std::atomic<uint64_t> remote_misses{0};
  std::atomic<uint64_t> remote_errors{0};
  std::atomic<uint64_t> store_reads{0};
  std::atomic<uint64_t> changes_applied{0};
  std::atomic<uint64_t> bus_invalidations{0};
  std::atomic<uint64_t> flushes{0};

  // L2 fills posted to the executor and not yet run; the destructor waits.
  std::mutex tasks_mu;
  std::condition_variable tasks_cv;
  int tasks_running = 0;

  std::unique_ptr<internal::InvalidationFanout> fanout;
  std::unique_ptr<Cache<Record>> l1;

  // Guarded by watch_mu: the store feed, replaced after it is lost.
  std::mutex watch_mu;
  std::unique_ptr<Subscription> watch;
  bool closing = false;
  std::unique_ptr<InvalidationBus::Subscription> bus_subscription;
  std::atomic<bool> feed_ok{true};
  std::atomic<int64_t> last_rewatch_micros{0};

  // Retries what the fanout could not deliver (L2 down, bus down) without
  // waiting for traffic: a key nobody reads or writes again would otherwise
  // keep its stale L2 value until remote_ttl, for every node that trusts L2
  // (a node started after Redis came back, say). Runs only while something
  // is pending; started when there is an L2 or a bus.
  std::mutex retry_mu;
  std::condition_variable retry_cv;
  bool retry_stop = false;
  std::thread retrier;

  void RetryLoop() {
    std::unique_lock lock(retry_mu);
    while (!retry_stop) {
      if (fanout->pending() == 0) {
        retry_cv.wait(lock);  // until a Send leaves something pending
        continue;
      }
      retry_cv.wait_for(lock, std::chrono::milliseconds(100));
      if (retry_stop) break;
      lock.unlock();
      fanout->RetryPendingIfDue();
      lock.lock();
    }
  }

  void WakeRetrier() {
    { std::lock_guard lock(retry_mu); }  // orders this after the loop's check
    retry_cv.notify_one();
  }

  void StopRetrier() {
    if (!retrier.joinable()) return;
    {
      std::lock_guard lock(retry_mu);
      retry_stop = true;
    }
    retry_cv.notify_one();
    retrier.join();
  }

  void Post(std::function<void()> task) {
    {
      std::lock_guard lock(tasks_mu);
      ++tasks_running;
    }
    executor->Post([this, task = std::move(task)] {
      task();
      std::lock_guard lock(tasks_mu);
      if (--tasks_running == 0) tasks_cv.notify_all();
    });
  }

  void WaitForTasks() {
    std::unique_lock lock(tasks_mu);
    tasks_cv.wait(lock, [this] { return tasks_running == 0; });
  }

  absl::StatusOr<Loaded> Load(const std::string& collection, const std::string& id, const std::string& key) {
    if (options.remote != nullptr && fanout->RemoteTrusted(key)) {
      fanout->RetryPendingIfDue();
      std::string keys[1] = {key};
      auto got = options.remote->MultiGet(keys);
      if (!got.ok()) {
        remote_errors.fetch_add(1, std::memory_order_relaxed);
      } else if (!(*got)[0].has_value()) {
        remote_misses.fetch_add(1, std::memory_order_relaxed);
      } else {
        absl::StatusOr<Record> record = DecodeRecord((*got)[0]->bytes, collection, id);
        if (record.ok()) {
          remote_hits.fetch_add(1, std::memory_order_relaxed);
          uint64_t version = record->version;
          auto shared = std::make_shared<const Record>(*std::move(record));
          return Loaded{.value = shared, .version = version, .bytes = ChargeOf(*shared)};
        }
        remote_errors.fetch_add(1, std::memory_order_relaxed);  // undecodable: read the store
      }
    }

    // The version before the read stamps a NotFound: the key did not exist
    // at some point at or after it, so an invalidation above it ends it.
    uint64_t as_of = store->CurrentVersion();
    absl::StatusOr<Record> record = store->Get(collection, id);
    store_reads.fetch_add(1, std::memory_order_relaxed);
    if (absl::IsNotFound(record.status())) return Loaded{.value = nullptr, .version = as_of};
    if (!record.ok()) return record.status();
    auto shared = std::make_shared<const Record>(*std::move(record));
    if (options.remote != nullptr) {
      Post([this, key, shared] {
        absl::Status put = options.remote->Put(key, EncodeRecord(*shared), shared->version, options.remote_ttl);
        if (!put.ok()) remote_errors.fetch_add(1, std::memory_order_relaxed);
      });
    }
    return Loaded{.value = shared, .version = shared->version, .bytes = ChargeOf(*shared)};
  }

  void OnChange(const absl::StatusOr<Change>& change) {
    if (!change.ok()) {
      if (absl::IsCancelled(change.status())) return;  // the store is shutting down
      // Fell behind the feed (OutOfRange) or lost it: what was missed is
      // unknown, so drop L1 and watch again from now.
      flushes.fetch_add(1, std::memory_order_relaxed);
      feed_ok.store(false, std::memory_order_release);
      l1->Clear();
      MaybeRewatch();
      return;
    }
    std::string key = KeyOf(change->collection, change->id);
    l1->Invalidate(key, change->version);
    changes_applied.fetch_add(1, std::memory_order_relaxed);
    if (fanout->Send({KeyVersion{.key = std::move(key), .version = change->version}}) > 0) {
      WakeRetrier();
    }
    fanout->RetryPendingIfDue();
  }

  absl::Status Watch() {
    auto subscription = store->Watch(store->CurrentVersion(),
                                     [this](const absl::StatusOr<Change>& change) { OnChange(change); });
    if (!subscription.ok()) return subscription.status();
    std::lock_guard lock(watch_mu);
    if (closing) return absl::OkStatus();
    watch = *std::move(subscription);
    return absl::OkStatus();
  }

  void Rewatch() {
    {
      std::lock_guard lock(watch_mu);
      if (closing) return;
      watch.reset();  // from the executor, never from the feed's own handler
    }
    feed_ok.store(Watch().ok(), std::memory_order_release);
    // Loads that ran while the feed was down may hold stale values.
    l1->Clear();
  }

  // While the feed is down, reads bypass L1 (nothing would invalidate it)
  // and, at most every 100 ms, one of them tries to watch again.
  void MaybeRewatch() {
    int64_t now = absl::ToUnixMicros(absl::Now());
    int64_t last = last_rewatch_micros.load(std::memory_order_relaxed);
    if (now - last < 100'000) return;
    if (!last_rewatch_micros.compare_exchange_strong(last, now)) return;
    Post([this] { Rewatch(); });
  }
};

std::string TieredCache::KeyOf(std::string_view collection, std::string_view id) {
  // Collection names have no '/', so the first '/' separates the two.
  return absl::StrCat(internal::Sv(collection), "/", internal::Sv(id));
}

absl::StatusOr<std::unique_ptr<TieredCache>> TieredCache::Open(Store* store, const TieredCacheOptions& options) {
  if (store == nullptr) return absl::InvalidArgumentError("TieredCache needs a store");
  if (options.remote_ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("TieredCache remote_ttl must be > 0");
  }
  auto impl = std::make_unique<Impl>();
  impl->store = store;
  impl->options = options;
  CacheOptions l1_options = options.l1;
  if (l1_options.executor == nullptr) {
    impl->owned_executor = MakeThreadPoolExecutor(1);
    l1_options.executor = impl->owned_executor.get();
  }
  impl->executor = l1_options.executor;
  auto l1 = Cache<Record>::Create(l1_options);
  if (!l1.ok()) return l1.status();
  impl->l1 = *std::move(l1);
  impl->fanout = std::make_unique<internal::InvalidationFanout>(internal::InvalidationFanout::Options{
      .remote = options.remote,
      .bus = options.bus,
      .publish = options.publish_changes,
      .remote_ttl = options.remote_ttl,
      .clock = l1_options.clock});

  Impl* raw = impl.get();
  if (options.bus != nullptr) {
    auto subscription = options.bus->Subscribe({
        .on_invalidate =
            [raw](std::string_view key, uint64_t version) {
              raw->bus_invalidations.fetch_add(1, std::memory_order_relaxed);
              raw->l1->Invalidate(key, version);
            },
        .on_gap =
            [raw] {
              raw->flushes.fetch_add(1, std::memory_order_relaxed);
              raw->l1->Clear();
              // Also called once resubscribed: Redis may be back, so try
              // the pending invalidations now rather than at the next tick.
              raw->WakeRetrier();
            },
    });
    if (!subscription.ok()) return subscription.status();
    impl->bus_subscription = *std::move(subscription);
  }
  if (options.remote != nullptr || options.bus != nullptr) {
    impl->retrier = std::thread([raw] { raw->RetryLoop(); });
  }
  if (absl::Status watching = impl->Watch(); !watching.ok()) {
    impl->bus_subscription.reset();
    impl->StopRetrier();
    return watching;
  }
  return std::unique_ptr<TieredCache>(new TieredCache(std::move(impl)));
}

TieredCache::TieredCache(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TieredCache::~TieredCache() {
  // Stop the inputs first, then let posted work finish, then the tiers go.
  {
    std::lock_guard lock(impl_->watch_mu);
    impl_->closing = true;
  }
  impl_->bus_subscription.reset();
  impl_->StopRetrier();
  impl_->WaitForTasks();  // a Rewatch may be running; `closing` stops it
  std::unique_ptr<Subscription> watch;
  {
    std::lock_guard lock(impl_->watch_mu);
    watch = std::move(impl_->watch);
  }
  watch.reset();
  impl_->WaitForTasks();  // fills posted by the last loads and changes
  impl_->l1.reset();      // waits for its own refreshes
  impl_->WaitForTasks();
}

absl::StatusOr<std::shared_ptr<const Record>> TieredCache::Get(std::string_view collection, std::string_view id) {
  // The collection is checked here because the key must name one record
  // only ("a/b" + "c" would read as "a" + "b/c"); the store checks the id.
  MARQUEE_RETURN_IF_ERROR(ValidateCollectionName(collection));
  std::string key = KeyOf(collection, id);
  Impl* impl = impl_.get();
  if (!impl->feed_ok.load(std::memory_order_acquire)) {
    impl->MaybeRewatch();
    auto loaded = impl->Load(std::string(collection), std::string(id), key);
    if (!loaded.ok()) return loaded.status();
    if (loaded->value == nullptr) return absl::NotFoundError(absl::StrCat("'", key, "' does not exist"));
    return std::move(loaded->value);
  }
  return impl->l1->GetOrLoad(key, [impl, collection = std::string(collection), id = std::string(id),
                                   key]() { return impl->Load(collection, id, key); });
}

Cache<Record>& TieredCache::l1() { return *impl_->l1; }

absl::Status TieredCache::WaitForVersion(uint64_t v, absl::Duration timeout) const {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    uint64_t applied = 0;
    {
      std::lock_guard lock(impl_->watch_mu);
      if (impl_->closing) return absl::CancelledError("the cache is closing");
      if (!impl_->feed_ok.load(std::memory_order_acquire) || impl_->watch == nullptr) {
        return absl::OkStatus();
      }
      // The position passes a commit only after the handler (OnChange) has
      // run for each of its changes.
      applied = impl_->watch->position();
    }
    if (applied >= v) return absl::OkStatus();
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("read cache at version ", applied,
                                                      ", waiting for ", v));
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
}

TieredCacheStats TieredCache::stats() const {
  const Impl& impl = *impl_;
  return TieredCacheStats{.l1 = impl.l1->stats(),
                          .remote_hits = impl.remote_hits.load(std::memory_order_relaxed),
                          .remote_misses = impl.remote_misses.load(std::memory_order_relaxed),
                          .remote_errors = impl.remote_errors.load(std::memory_order_relaxed),
                          .store_reads = impl.store_reads.load(std::memory_order_relaxed),
                          .changes_applied = impl.changes_applied.load(std::memory_order_relaxed),
                          .bus_invalidations = impl.bus_invalidations.load(std::memory_order_relaxed),
                          .flushes = impl.flushes.load(std::memory_order_relaxed),
                          .pending_invalidations = impl.fanout->pending()};
}

}  // namespace marquee
