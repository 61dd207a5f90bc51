// EdgePurger (edge_purger.h): the store's change feed in, purge requests
// out. Two threads meet here: the store's watch thread adds keys to
// `incoming` and never blocks on the network; the purger's own thread
// takes them after the coalescing window, waits for this node's caches,
// and sends them to each target, whose failed keys wait for their retry in
// the target's own pending set. std::mutex and std::condition_variable
// (not Abseil's), so the tsan preset sees the synchronisation.
#include "marquee/http/edge_purger.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "http/purge_key_set.h"
#include "http/purge_sender.h"
#include "http/purge_target.h"
#include "http/text_internal.h"
#include "marquee/http/surrogate_keys.h"

namespace marquee::http {
namespace {

using internal::PurgeKeySet;
using internal::PurgeRequest;
using internal::PurgeTarget;

// The longest single wait on a cache, so that Stop is noticed meanwhile.
constexpr absl::Duration kCacheWaitStep = absl::Milliseconds(50);

absl::Status Bad(std::string_view option, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("EdgePurgerOptions.", internal::Sv(option), ": ",
                                                 internal::Sv(what)));
}

absl::Status CheckDuration(std::string_view option, absl::Duration value, absl::Duration min,
                           absl::Duration max) {
  if (value < min || value > max) {
    return Bad(option, absl::StrCat("must be within ", absl::FormatDuration(min), "..",
                                    absl::FormatDuration(max)));
  }
  return absl::OkStatus();
}

absl::Status CheckNumbers(const EdgePurgerOptions& o) {
  const absl::Duration ms = absl::Milliseconds(1);
  if (absl::Status s = CheckDuration("apply_timeout", o.apply_timeout, absl::ZeroDuration(),
                                     absl::Minutes(1));
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckDuration("coalesce_window", o.coalesce_window, absl::ZeroDuration(),
                                     absl::Seconds(10));
      !s.ok()) {
    return s;
  }
  if (o.max_pending_keys < 1 || o.max_pending_keys > 1'000'000) {
    return Bad("max_pending_keys", "must be within 1..1000000");
  }
  if (o.max_attempts < 1 || o.max_attempts > 1000) {
    return Bad("max_attempts", "must be within 1..1000");
  }
  if (absl::Status s = CheckDuration("initial_backoff", o.initial_backoff, ms, absl::Minutes(10));
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckDuration("max_backoff", o.max_backoff, ms, absl::Minutes(10));
      !s.ok()) {
    return s;
  }
  if (o.initial_backoff > o.max_backoff) {
    return Bad("initial_backoff", "must not exceed max_backoff");
  }
  if (absl::Status s = CheckDuration("connect_timeout", o.connect_timeout, ms, absl::Minutes(1));
      !s.ok()) {
    return s;
  }
  return CheckDuration("request_timeout", o.request_timeout, ms, absl::Minutes(5));
}

// One Varnish or CDN and the keys it still has to purge.
struct TargetState {
  PurgeTarget target;
  PurgeKeySet pending;
  uint64_t pending_version = 0;                       // newest change in `pending`
  absl::Time oldest_seen = absl::InfiniteFuture();    // when its oldest change was seen
  int failures = 0;                                   // in a row
  absl::Duration backoff = absl::ZeroDuration();
  absl::Time next_attempt = absl::InfinitePast();
  uint64_t purged_version = 0;
};

}  // namespace

struct EdgePurger::Impl {
  EdgePurgerOptions options;
  std::set<std::string, std::less<>> collections;
  internal::PurgeSendOptions send_options;

  // Guards everything from here to `targets`; the watch handler takes it.
  std::mutex mu;
  std::condition_variable wake;
  PurgeKeySet incoming{1};
  uint64_t incoming_version = 0;
  absl::Time incoming_seen = absl::InfiniteFuture();
  bool rewatch = false;
  bool stop = false;
  EdgePurgerStats stats;
  // Changed by the purger's thread only, under `mu`; while it sends, it
  // reads a target's (immutable) address without `mu`.
  std::vector<TargetState> targets;

  // Guards the subscription. Stop takes it out under this lock and destroys
  // it without holding `mu`: destroying waits for a handler in progress,
  // which takes `mu`.
  std::mutex watch_mu;
  std::unique_ptr<Subscription> subscription;
  bool unwatched = false;

  std::thread thread;

  // On the store's watch thread.
  void OnChange(const absl::StatusOr<Change>& change) {
    {
      std::lock_guard lock(mu);
      if (!change.ok()) {
        if (absl::IsCancelled(change.status())) return;  // the store is closing
        // Fell behind the retained history or lost the feed: what changed
        // meanwhile is unknown, so every collection is purged whole (once
        // the caches reach the version watched from next).
        ++stats.feed_gaps;
        if (incoming.empty()) incoming_seen = absl::Now();
        for (const std::string& c : collections) incoming.AddCollection(c);
        rewatch = true;
      } else {
        if (!collections.contains(change->collection)) return;
        ++stats.changes_seen;
        if (incoming.empty()) incoming_seen = absl::Now();
        incoming.AddChange(change->collection, change->id);
        stats.overflows += incoming.TakeOverflows();
        incoming_version = std::max(incoming_version, change->version);
      }
    }
    wake.notify_one();
  }

  absl::Status Watch() {
    const uint64_t from = options.store->CurrentVersion();
    absl::StatusOr<std::unique_ptr<Subscription>> watched = options.store->Watch(
        from, [this](const absl::StatusOr<Change>& change) { OnChange(change); });
    if (!watched.ok()) return watched.status();
    std::unique_ptr<Subscription> old;
    {
      std::lock_guard lock(watch_mu);
      if (unwatched) return absl::OkStatus();
      old = std::move(subscription);
      subscription = *std::move(watched);
    }
    std::lock_guard lock(mu);
    incoming_version = std::max(incoming_version, from);
    return absl::OkStatus();
  }

  void Report(const absl::Status& status) {
    if (options.on_error) options.on_error(status);
  }

  // Waits until this node's caches have applied `version`, for at most
  // apply_timeout; true when they have (or when there are none).
  bool WaitForCaches(uint64_t version, bool ignore_stop) {
    if (options.apply_timeout == absl::ZeroDuration()) return true;  // told not to wait
    const absl::Time deadline = absl::Now() + options.apply_timeout;
    using Wait = std::function<absl::Status(uint64_t, absl::Duration)>;
    std::vector<Wait> waits;
    if (options.delivery_view != nullptr) {
      waits.push_back([view = options.delivery_view](uint64_t v, absl::Duration t) {
        return view->WaitForVersion(v, t);
      });
    }
    if (options.read_cache != nullptr) {
      waits.push_back([cache = options.read_cache](uint64_t v, absl::Duration t) {
        return cache->WaitForVersion(v, t);
      });
    }
    if (options.wait_for_applied) waits.push_back(options.wait_for_applied);
    for (const Wait& wait : waits) {
      while (true) {
        const absl::Duration left = deadline - absl::Now();
        if (left <= absl::ZeroDuration()) return false;
        const absl::Status s = wait(version, std::min(left, kCacheWaitStep));
        if (!absl::IsDeadlineExceeded(s)) break;  // applied, or the cache ended for good
        if (!ignore_stop) {
          std::lock_guard lock(mu);
          if (stop) return true;
        }
      }
    }
    return true;
  }

  // Moves `incoming` to every target once the caches have its changes.
  void TakeIncoming(std::unique_lock<std::mutex>& lock, bool ignore_stop) {
    PurgeKeySet batch = std::move(incoming);
    incoming = PurgeKeySet(options.max_pending_keys);
    const uint64_t version = incoming_version;
    const absl::Time seen = incoming_seen;
    incoming_version = 0;
    incoming_seen = absl::InfiniteFuture();
    lock.unlock();
    const bool applied = WaitForCaches(version, ignore_stop);
    if (!applied) {
      Report(absl::DeadlineExceededError(absl::StrCat(
          "edge purge: this node's caches had not applied version ", version, " after ",
          absl::FormatDuration(options.apply_timeout), "; purging anyway")));
    }
    const std::vector<std::string> keys = batch.Keys();
    lock.lock();
    if (!applied) ++stats.apply_timeouts;
    for (TargetState& t : targets) {
      for (const std::string& key : keys) t.pending.AddKey(key);
      stats.overflows += t.pending.TakeOverflows();
      t.pending_version = std::max(t.pending_version, version);
      t.oldest_seen = std::min(t.oldest_seen, seen);
    }
  }

  // Sends `t`'s pending keys; on a failure worth retrying (and `retry`),
  // keeps the failed ones for the next attempt.
  void SendTarget(TargetState& t, std::unique_lock<std::mutex>& lock, bool retry) {
    const std::vector<std::string> keys = t.pending.Keys();
    const uint64_t version = t.pending_version;
    const absl::Time seen = t.oldest_seen;
    t.pending.Clear();
    t.pending_version = 0;
    t.oldest_seen = absl::InfiniteFuture();
    lock.unlock();
    uint64_t sent = 0, sent_keys = 0, failed = 0;
    std::vector<std::string> retry_keys;
    size_t refused_keys = 0;
    const std::vector<PurgeRequest> requests = internal::BuildPurgeRequests(t.target, keys);
    // The keys of request i, for the next attempt: one per request with a
    // {key} template, else the batch header's list.
    const auto keep_for_retry = [&](size_t i) {
      if (t.target.per_key) {
        retry_keys.push_back(keys[i]);
        return;
      }
      const std::string& list = requests[i].headers.back().second;
      for (size_t start = 0; start < list.size();) {
        const size_t end = std::min(list.find(' ', start), list.size());
        retry_keys.emplace_back(list.substr(start, end - start));
        start = end + 1;
      }
    };
    absl::Status first_error;
    for (size_t i = 0; i < requests.size(); ++i) {
      // Once the target is unavailable, the rest of this pass waits for the
      // retry (each request could cost a whole timeout).
      if (!retry_keys.empty()) {
        keep_for_retry(i);
        continue;
      }
      const PurgeRequest& request = requests[i];
      const absl::Status s = internal::SendPurgeRequest(t.target, request, send_options);
      if (s.ok()) {
        ++sent;
        sent_keys += request.keys;
        continue;
      }
      ++failed;
      if (first_error.ok()) first_error = s;
      if (absl::IsUnavailable(s)) {
        keep_for_retry(i);
      } else {
        refused_keys += request.keys;
      }
    }
    // One message per pass, however many requests failed.
    if (!first_error.ok()) {
      Report(failed == 1 ? first_error
                         : absl::Status(first_error.code(),
                                        absl::StrCat(first_error.message(), " (and ", failed - 1,
                                                     " more failed requests)")));
    }
    const absl::Time now = absl::Now();
    lock.lock();
    stats.purge_requests += sent;
    stats.keys_purged += sent_keys;
    stats.failures += failed;
    stats.keys_dropped += refused_keys;
    if (retry_keys.empty()) {
      t.failures = 0;
      t.backoff = options.initial_backoff;
    }
    if (retry_keys.empty() && refused_keys == 0) {
      t.purged_version = std::max(t.purged_version, version);
      uint64_t everywhere = UINT64_MAX;
      for (const TargetState& other : targets) everywhere = std::min(everywhere, other.purged_version);
      stats.purged_version = std::max(stats.purged_version, everywhere);
      if (seen != absl::InfiniteFuture()) stats.last_lag = now - seen;
    } else if (retry_keys.empty()) {
      // Refused keys only: dropped above, nothing to retry.
    } else if (!retry || ++t.failures >= options.max_attempts) {
      stats.keys_dropped += retry_keys.size();
      t.failures = 0;
      lock.unlock();
      Report(absl::UnavailableError(absl::StrCat("edge purge: ", t.target.label, ": dropped ",
                                                 retry_keys.size(), " keys after ",
                                                 retry ? options.max_attempts : 1,
                                                 " failed attempts")));
      lock.lock();
    } else {
      for (const std::string& key : retry_keys) t.pending.AddKey(key);
      stats.overflows += t.pending.TakeOverflows();
      t.pending_version = std::max(t.pending_version, version);
      t.oldest_seen = std::min(t.oldest_seen, seen);
      t.next_attempt = now + t.backoff;
      t.backoff = std::min(t.backoff * 2, options.max_backoff);
    }
  }

  void Run() {
    std::unique_lock lock(mu);
    while (!stop) {
      if (rewatch) {
        rewatch = false;
        lock.unlock();
        if (absl::Status s = Watch(); !s.ok()) {
          Report(absl::UnavailableError(
              absl::StrCat("edge purge: could not follow the store again: ", s.message())));
          lock.lock();
          rewatch = true;
          wake.wait_for(lock, std::chrono::milliseconds(100), [this] { return stop; });
          continue;
        }
        lock.lock();
        continue;
      }
      const absl::Time now = absl::Now();
      absl::Time next = absl::InfiniteFuture();
      if (!incoming.empty()) {
        const absl::Time due = incoming_seen + options.coalesce_window;
        if (now >= due) {
          TakeIncoming(lock, /*ignore_stop=*/false);
          continue;
        }
        next = due;
      }
      TargetState* due_target = nullptr;
      for (TargetState& t : targets) {
        if (t.pending.empty()) continue;
        if (now >= t.next_attempt) {
          due_target = &t;
          break;
        }
        next = std::min(next, t.next_attempt);
      }
      if (due_target != nullptr) {
        SendTarget(*due_target, lock, /*retry=*/true);
        continue;
      }
      if (next == absl::InfiniteFuture()) {
        wake.wait(lock);
      } else {
        wake.wait_for(lock, absl::ToChronoNanoseconds(next - now));
      }
    }
    // Stopping: what is pending goes out once, now.
    if (!incoming.empty()) TakeIncoming(lock, /*ignore_stop=*/true);
    for (TargetState& t : targets) {
      if (!t.pending.empty()) SendTarget(t, lock, /*retry=*/false);
    }
  }
};

absl::Status ValidateEdgePurgerOptions(const EdgePurgerOptions& options) {
  if (options.varnish.empty() && options.cdns.empty()) {
    return Bad("varnish", "no target: give a Varnish or a CDN (cdns)");
  }
  for (size_t i = 0; i < options.varnish.size(); ++i) {
    if (absl::Status s = internal::ParseVarnishTarget(options.varnish[i],
                                                      absl::StrCat("varnish[", i, "]"))
                             .status();
        !s.ok()) {
      return s;
    }
  }
  for (size_t i = 0; i < options.cdns.size(); ++i) {
    if (absl::Status s =
            internal::ParseCdnTarget(options.cdns[i], absl::StrCat("cdns[", i, "]")).status();
        !s.ok()) {
      return s;
    }
  }
  for (size_t i = 0; i < options.collections.size(); ++i) {
    const std::string& c = options.collections[i];
    if (c.empty() || c.find_first_of("/ ,*") != std::string::npos) {
      return Bad(absl::StrCat("collections[", i, "]"), "must be a collection name");
    }
  }
  return CheckNumbers(options);
}

absl::StatusOr<std::unique_ptr<EdgePurger>> EdgePurger::Start(EdgePurgerOptions options) {
  if (options.store == nullptr) return Bad("store", "is required");
  if (absl::Status s = ValidateEdgePurgerOptions(options); !s.ok()) return s;
  auto impl = std::make_unique<Impl>();
  for (size_t i = 0; i < options.varnish.size(); ++i) {
    absl::StatusOr<PurgeTarget> target =
        internal::ParseVarnishTarget(options.varnish[i], absl::StrCat("varnish[", i, "]"));
    if (!target.ok()) return target.status();
    impl->targets.push_back({.target = *std::move(target), .pending = PurgeKeySet(1)});
  }
  for (size_t i = 0; i < options.cdns.size(); ++i) {
    absl::StatusOr<PurgeTarget> target =
        internal::ParseCdnTarget(options.cdns[i], absl::StrCat("cdns[", i, "]"));
    if (!target.ok()) return target.status();
    impl->targets.push_back({.target = *std::move(target), .pending = PurgeKeySet(1)});
  }
  for (TargetState& t : impl->targets) {
    t.pending = PurgeKeySet(options.max_pending_keys);
    t.backoff = options.initial_backoff;
  }
  for (const std::string& c : options.collections) impl->collections.insert(c);
  if (impl->collections.empty()) {
    for (const std::string& c : TaggedCollections()) impl->collections.insert(c);
  }
  impl->incoming = PurgeKeySet(options.max_pending_keys);
  impl->send_options = {.connect_timeout = options.connect_timeout,
                        .request_timeout = options.request_timeout,
                        .ca_file = options.ca_file};
  impl->options = std::move(options);
  if (absl::Status s = impl->Watch(); !s.ok()) return s;
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<EdgePurger>(new EdgePurger(std::move(impl)));
}

EdgePurger::EdgePurger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EdgePurger::~EdgePurger() { Stop(); }

void EdgePurger::Stop() {
  // The feed first (destroying the subscription waits for a handler in
  // progress, which takes `mu`, so `mu` is not held here).
  std::unique_ptr<Subscription> subscription;
  {
    std::lock_guard lock(impl_->watch_mu);
    impl_->unwatched = true;
    subscription = std::move(impl_->subscription);
  }
  subscription.reset();
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop = true;
  }
  impl_->wake.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
}

EdgePurgerStats EdgePurger::stats() const {
  std::lock_guard lock(impl_->mu);
  EdgePurgerStats stats = impl_->stats;
  stats.pending_keys = impl_->incoming.size();
  for (const TargetState& t : impl_->targets) stats.pending_keys += t.pending.size();
  return stats;
}

}  // namespace marquee::http
