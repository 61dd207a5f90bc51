// Coalesced tally delivery for PollService::Subscribe (poll_service.h).
// One Store::Watch (started with the first subscriber) marks polls whose
// tally records changed; one thread delivers each marked poll's tally at
// most once per interval to all of its subscribers.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "campaign/poll_internal.h"
#include "campaign/poll_service_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/collections.h"
#include "marquee/status.h"

namespace marquee::campaign::internal {
namespace {

class HubSubscription final : public PollSubscription {
 public:
  HubSubscription(std::weak_ptr<TallyHub> hub, std::string poll,
                  std::shared_ptr<TallyHub::Subscriber> sub)
      : hub_(std::move(hub)), poll_(std::move(poll)), sub_(std::move(sub)) {}
  ~HubSubscription() override {
    {
      std::lock_guard lock(sub_->mu);  // waits for a callback in progress
      sub_->active = false;
    }
    if (std::shared_ptr<TallyHub> hub = hub_.lock()) hub->Remove(poll_, sub_);
  }

 private:
  std::weak_ptr<TallyHub> hub_;
  std::string poll_;
  std::shared_ptr<TallyHub::Subscriber> sub_;
};

}  // namespace

TallyHub::~TallyHub() { Stop(); }

void TallyHub::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::unique_ptr<Subscription> watch;
  {
    std::lock_guard lock(watch_mu_);
    watch = std::move(watch_);
  }
  watch.reset();  // outside mu_: its handler takes mu_
}

absl::Status TallyHub::EnsureWatching() {
  std::lock_guard lock(watch_mu_);
  if (watch_ != nullptr) return absl::OkStatus();
  // weak: the store's thread must not keep the hub alive.
  std::weak_ptr<TallyHub> weak = weak_from_this();
  MARQUEE_ASSIGN_OR_RETURN(
      watch_, store_->Watch(store_->CurrentVersion(), [weak](const absl::StatusOr<Change>& c) {
        if (std::shared_ptr<TallyHub> hub = weak.lock()) hub->OnChange(c);
      }));
  return absl::OkStatus();
}

void TallyHub::OnChange(const absl::StatusOr<Change>& change) {
  if (!change.ok()) {
    // Fell behind (or the store is closing): deliver every poll afresh and
    // let the thread start a new watch.
    std::lock_guard lock(mu_);
    if (absl::IsOutOfRange(change.status())) rewatch_ = true;
    for (auto& [poll, entry] : entries_) entry.dirty = true;
    cv_.notify_all();
    return;
  }
  if (change->collection != kPollTalliesCollection) return;
  const std::string_view poll = PollOfTallyId(change->id);
  std::lock_guard lock(mu_);
  auto it = entries_.find(::marquee::internal::Sv(poll));
  if (it == entries_.end() || it->second.dirty) return;
  it->second.dirty = true;
  cv_.notify_all();
}

absl::StatusOr<std::unique_ptr<PollSubscription>> TallyHub::Subscribe(
    std::string poll, std::function<void(const PollTally&)> fn) {
  MARQUEE_RETURN_IF_ERROR(EnsureWatching());
  auto sub = std::make_shared<Subscriber>();
  sub->fn = std::move(fn);
  {
    std::lock_guard lock(mu_);
    if (stopping_) return absl::CancelledError("the poll service is shutting down");
    Entry& entry = entries_[poll];
    entry.subs.push_back(sub);
    entry.dirty = true;  // the first delivery is the current tally
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  }
  cv_.notify_all();
  return std::unique_ptr<PollSubscription>(
      new HubSubscription(weak_from_this(), std::move(poll), std::move(sub)));
}

void TallyHub::Remove(const std::string& poll, const std::shared_ptr<Subscriber>& sub) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(poll);
  if (it == entries_.end()) return;
  std::erase(it->second.subs, sub);
  if (it->second.subs.empty()) entries_.erase(it);
}

void TallyHub::Run() {
  using Clock = std::chrono::steady_clock;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (rewatch_) {
      rewatch_ = false;
      lock.unlock();
      {
        std::lock_guard watch_lock(watch_mu_);
        watch_.reset();
      }
      (void)EnsureWatching();  // on failure the next OnChange error retries
      lock.lock();
      continue;
    }
    const Clock::time_point now = Clock::now();
    Clock::time_point next = Clock::time_point::max();
    std::vector<std::pair<std::string, std::vector<std::shared_ptr<Subscriber>>>> due;
    for (auto& [poll, entry] : entries_) {
      if (!entry.dirty) continue;
      if (now - entry.last >= interval_) {
        entry.dirty = false;
        entry.last = now;
        due.emplace_back(poll, entry.subs);
      } else {
        next = std::min(next, entry.last + interval_);
      }
    }
    if (due.empty()) {
      if (next == Clock::time_point::max()) {
        cv_.wait(lock);
      } else {
        cv_.wait_until(lock, next);
      }
      continue;
    }
    lock.unlock();
    for (auto& [poll_id, subs] : due) {
      absl::StatusOr<Record> record = store_->Get(kPollsCollection, poll_id);
      if (!record.ok()) continue;  // no such poll (yet): nothing to deliver
      absl::StatusOr<Poll> poll = PollFromJson(poll_id, record->body);
      if (!poll.ok()) continue;
      absl::StatusOr<PollTally> tally = ReadTally(*store_, *poll);
      if (!tally.ok()) continue;
      for (const std::shared_ptr<Subscriber>& sub : subs) {
        std::lock_guard sub_lock(sub->mu);
        if (sub->active) sub->fn(*tally);
      }
    }
    lock.lock();
  }
}

}  // namespace marquee::campaign::internal
