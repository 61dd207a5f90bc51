// The state of a PollService (poll_service.h), shared by its source files:
// poll_service.cc (polls, the caller side of Vote, reads), poll_commit.cc
// (the group-commit thread), poll_rules.cc (rule firing) and
// poll_subscribe.cc (coalesced tally delivery).
#ifndef MARQUEE_SRC_CAMPAIGN_POLL_SERVICE_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_POLL_SERVICE_INTERNAL_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "marquee/campaign/condition.h"
#include "marquee/campaign/poll.h"
#include "marquee/campaign/poll_service.h"
#include "marquee/store.h"

namespace marquee::campaign::internal {

// A poll as read at one record version, with its condition compiled.
struct CachedPoll {
  Poll poll{};
  std::optional<CompiledCondition> condition{};
  bool has_unfired_rules = false;
};

// A vote checked by the caller and waiting for the committer.
struct PendingVote {
  std::string poll{};
  std::string user{};
  std::string option{};
  bool allow_change = false;
  bool has_unfired_rules = false;
  absl::Time at = absl::UnixEpoch();
  std::function<void(absl::StatusOr<VoteResult>)> done{};
};

// Coalesced tally delivery (poll_subscribe.cc). Shared by the service and
// its subscriptions, so a subscription may outlive the service.
class TallyHub : public std::enable_shared_from_this<TallyHub> {
 public:
  TallyHub(Store* store, std::chrono::steady_clock::duration interval)
      : store_(store), interval_(interval) {}
  ~TallyHub();

  absl::StatusOr<std::unique_ptr<PollSubscription>> Subscribe(
      std::string poll, std::function<void(const PollTally&)> fn);
  // Stops the delivery thread and the watch; idempotent.
  void Stop();

  struct Subscriber {
    std::mutex mu;  // held while its callback runs
    bool active = true;
    std::function<void(const PollTally&)> fn;
  };
  void Remove(const std::string& poll, const std::shared_ptr<Subscriber>& sub);

 private:
  struct Entry {
    std::vector<std::shared_ptr<Subscriber>> subs;
    bool dirty = true;
    std::chrono::steady_clock::time_point last{};
  };
  absl::Status EnsureWatching();
  void OnChange(const absl::StatusOr<Change>& change);
  void Run();

  Store* const store_;
  const std::chrono::steady_clock::duration interval_;

  std::mutex watch_mu_;  // guards watch_ creation and reset; never held with mu_
  std::unique_ptr<Subscription> watch_;

  std::mutex mu_;
  std::condition_variable cv_;
  absl::flat_hash_map<std::string, Entry> entries_;
  bool stopping_ = false;
  bool rewatch_ = false;  // the watch ended (fell behind): start it again
  std::thread thread_;
};

}  // namespace marquee::campaign::internal

namespace marquee::campaign {

struct PollService::Impl {
  Store* store = nullptr;
  PollServiceOptions options{};
  Clock* clock = nullptr;

  // Polls by id, refreshed when the stored version moves.
  mutable std::shared_mutex cache_mu;
  mutable absl::flat_hash_map<std::string, std::shared_ptr<const internal::CachedPoll>> cache;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<internal::PendingVote> queue;
  bool stopping = false;
  std::thread committer;

  std::shared_ptr<internal::TallyHub> hub;

  std::atomic<uint64_t> votes_committed{0};
  std::atomic<uint64_t> votes_unchanged{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> fallbacks{0};
  std::atomic<uint64_t> rules_fired{0};
  std::atomic<uint64_t> rule_errors{0};

  // The poll, from the cache when its record version has not moved.
  // Errors: NotFound, InvalidArgument, Unavailable.
  absl::StatusOr<std::shared_ptr<const internal::CachedPoll>> LoadPoll(std::string_view id) const;

  // The committer thread (poll_commit.cc).
  void RunCommitter();
  void CommitBatch(std::vector<internal::PendingVote>& batch);

  // Fires the poll's qualifying rules, each exactly once (poll_rules.cc).
  void FireRules(const std::string& poll_id);
};

}  // namespace marquee::campaign

#endif  // MARQUEE_SRC_CAMPAIGN_POLL_SERVICE_INTERNAL_H_
