// Sends committed changes to L2 and the bus; keeps and retries the failures.
#include "internal/invalidation_fanout.h"

#include <algorithm>
#include <utility>

#include "internal/absl_strings.h"

namespace marquee::internal {

InvalidationFanout::InvalidationFanout(Options options) : options_(std::move(options)) {
  if (options_.clock == nullptr) options_.clock = Clock::Real();
}

void InvalidationFanout::Attempt(const std::vector<KeyVersion>& changes, std::vector<Pending>* outcome,
                                 int* failures) {
  outcome->assign(changes.size(), Pending{});
  for (size_t i = 0; i < changes.size(); ++i) (*outcome)[i].version = changes[i].version;
  if (options_.remote != nullptr && !options_.remote->Invalidate(changes).ok()) {
    ++*failures;
    for (Pending& p : *outcome) p.remote = true;
  }
  if (options_.bus != nullptr && options_.publish && !options_.bus->Publish(changes).ok()) {
    ++*failures;
    for (Pending& p : *outcome) p.publish = true;
  }
}

void InvalidationFanout::Remember(const std::vector<KeyVersion>& changes,
                                  const std::vector<Pending>& outcome) {
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < changes.size(); ++i) {
    const Pending& failed = outcome[i];
    auto it = pending_.find(changes[i].key);
    if (!failed.remote && !failed.publish) {
      // Delivered at this version: an older pending entry is covered too.
      if (it != pending_.end() && it->second.version <= failed.version) pending_.erase(it);
      continue;
    }
    if (it != pending_.end()) {
      it->second.version = std::max(it->second.version, failed.version);
      it->second.remote |= failed.remote;
      it->second.publish |= failed.publish;
      continue;
    }
    if (pending_.size() >= options_.max_pending) {
      // Too much to remember: distrust all of L2 until everything it may
      // hold from before now has expired, and stop tracking keys.
      absl::Time until = options_.clock->Now() + options_.remote_ttl;
      untrusted_until_micros_.store(absl::ToUnixMicros(until), std::memory_order_release);
      pending_.clear();
      continue;
    }
    pending_.emplace(changes[i].key, failed);
  }
  has_pending_.store(!pending_.empty(), std::memory_order_release);
}

int InvalidationFanout::Send(std::vector<KeyVersion> changes) {
  if (changes.empty()) return 0;
  std::vector<Pending> outcome;
  int failures = 0;
  Attempt(changes, &outcome, &failures);
  if (failures > 0 || has_pending_.load(std::memory_order_acquire)) Remember(changes, outcome);
  return failures;
}

void InvalidationFanout::RetryPendingIfDue() {
  if (!has_pending_.load(std::memory_order_acquire)) return;
  std::vector<KeyVersion> remote_changes;
  std::vector<KeyVersion> publish_changes;
  {
    std::lock_guard lock(mu_);
    absl::Time now = options_.clock->Now();
    if (now - last_retry_ < options_.retry_interval) return;
    last_retry_ = now;
    for (const auto& [key, pending] : pending_) {
      if (pending.remote) remote_changes.push_back({key, pending.version});
      if (pending.publish) publish_changes.push_back({key, pending.version});
    }
  }
  bool remote_ok = remote_changes.empty() || options_.remote->Invalidate(remote_changes).ok();
  bool publish_ok = publish_changes.empty() || options_.bus->Publish(publish_changes).ok();
  std::lock_guard lock(mu_);
  // Clear only what got through, and only at the version that was sent: a
  // newer failure recorded meanwhile stays.
  auto settle = [&](const std::vector<KeyVersion>& sent, bool Pending::*flag) {
    for (const KeyVersion& change : sent) {
      auto it = pending_.find(change.key);
      if (it == pending_.end() || it->second.version != change.version) continue;
      it->second.*flag = false;
      if (!it->second.remote && !it->second.publish) pending_.erase(it);
    }
  };
  if (remote_ok) settle(remote_changes, &Pending::remote);
  if (publish_ok) settle(publish_changes, &Pending::publish);
  has_pending_.store(!pending_.empty(), std::memory_order_release);
}

bool InvalidationFanout::RemoteTrusted(std::string_view key) const {
  int64_t until = untrusted_until_micros_.load(std::memory_order_acquire);
  if (until != 0 && absl::ToUnixMicros(options_.clock->Now()) < until) return false;
  if (!has_pending_.load(std::memory_order_acquire)) return true;
  std::lock_guard lock(mu_);
  auto it = pending_.find(Sv(key));
  return it == pending_.end() || !it->second.remote;
}

size_t InvalidationFanout::pending() const {
  std::lock_guard lock(mu_);
  return pending_.size();
}

}  // namespace marquee::internal
