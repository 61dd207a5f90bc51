// marquee/campaign/poll_service.h — live polls: one vote per user, live
// tallies, pushed tally updates and poll-driven campaign rules.
//
// PollService stores polls (polls/<poll id>, poll.h), votes
// (votes/<poll id>/<user id>: {"poll", "user", "option", "at"}) and tallies
// in a Store. Decisions:
//   - One vote per user and poll. Re-sending the same option returns the
//     stored vote (kUnchanged); another option is FailedPrecondition unless
//     the poll allows vote changes (then kChanged, and the tally moves one
//     count from the old option to the new one in the same commit).
//   - Tallies are counters, updated in the same WriteBatch as the votes,
//     with compare-and-set on every record; they are never recomputed by
//     scanning votes. Layout: poll_tallies/<poll id> {"poll": id, "counts":
//     {"<option>": n}, "total": n} when tally_shards is 1; otherwise shards
//     poll_tallies/<poll id>#<n> (n < tally_shards) of the same layout,
//     a user's votes counted in shard hash(user) % tally_shards, and the
//     tally is the sum of every record of the poll (whatever shard count
//     wrote them). A shard's count for an option may be decremented by a
//     vote change or an erasure even where another shard counted the vote,
//     so only the sum is meaningful (a shard's count is never negative: a
//     decrement goes to a shard with a positive count).
//   - Group commit: Vote hands its vote to one committer thread, which
//     takes every pending vote (up to max_votes_per_write), checks each
//     against the current vote record, and writes one WriteBatch: the
//     votes, each conditioned on its expected version (0: new), and one
//     update per touched tally shard, conditioned on its version. If the
//     batch meets a concurrent writer (another process, an erasure), those
//     votes are committed one by one, each retried up to max_retries times,
//     so one conflict cannot fail the others. Vote returns once its vote is
//     committed (or refused) with the exact result. Pending votes are
//     bounded (queue_capacity; ResourceExhausted when full).
//   - Targeting: the voter's attributes (plus "id": user id when absent)
//     must match the poll's condition, else PermissionDenied.
//   - Rules fire exactly once: after a commit that touched a poll with
//     unfired rules, the committer sums its tally and, for a rule whose
//     option leads by lead_points percentage points of the total with at
//     least min_votes votes, writes in ONE WriteBatch, with compare-and-set
//     on both, the poll with the rule's firedAt set and the campaign with the
//     rule's weights (WithVariantWeights). A conflict re-reads both and
//     evaluates again, so a rule fired by another thread or process is never
//     fired twice. Failures (the campaign is missing or its variants do not
//     fit the weights) leave the rule unfired and are counted in stats().
//   - Subscribe delivers tally updates from Store::Watch on the tallies (so
//     votes of another process sharing the store count too), coalesced to
//     at most one delivery per poll per subscription_interval (the latest
//     tally), on a background thread; all subscribers of a poll share one
//     timer. The first delivery, soon after subscribing, is the current
//     tally.
// Thread-safety: every method may be called concurrently.
//
//   auto polls = PollService::Open(store.get(), {.clock = &clock});
//   if (!polls.ok()) return polls.status();
//   MARQUEE_RETURN_IF_ERROR((*polls)->CreatePoll(poll).status());
//   absl::StatusOr<VoteResult> r = (*polls)->Vote("colour", "u42", "red");
//   auto sub = (*polls)->Subscribe("colour", [](const PollTally& t) { Send(t); });
//   absl::StatusOr<PollTally> tally = (*polls)->Tally("colour");
#ifndef MARQUEE_CAMPAIGN_POLL_SERVICE_H_
#define MARQUEE_CAMPAIGN_POLL_SERVICE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/campaign/poll.h"
#include "marquee/campaign/value.h"
#include "marquee/clock.h"
#include "marquee/export.h"
#include "marquee/store.h"

namespace marquee::campaign {

struct PollServiceOptions {
  // Source of "now" for opening times, vote times and firedAt. Not owned;
  // must outlive the service. Default: nullptr, Clock::Real().
  Clock* clock = nullptr;
  // Tally records per poll (see the file comment); 1..256. More shards let
  // several services (processes) on one store vote into one poll without
  // conflicting on one record. Default: 1.
  int tally_shards = 1;
  // Votes accepted but not yet committed at most; Vote answers
  // ResourceExhausted beyond it. 1..10,000,000. Default: 100,000.
  size_t queue_capacity = 100'000;
  // Most votes in one WriteBatch; 1..100,000. Default: 4,096.
  size_t max_votes_per_write = 4'096;
  // Attempts of one compare-and-set write (a vote committed alone, a poll
  // update, a rule firing) before giving up with Aborted; 1..1000.
  // Default: 16.
  int max_retries = 16;
  // Tally deliveries per poll are at least this far apart (steady clock);
  // 1 ms..1 minute. Default: 50 ms.
  absl::Duration subscription_interval = absl::Milliseconds(50);
  // Declare the domain's indexes (PrepareCampaignStore) on Open.
  // Default: true.
  bool prepare_store = true;
};

// One stored vote.
struct PollVote {
  std::string poll{};
  std::string user{};
  std::string option{};
  // When it was cast (or last changed), by the service's clock; stored as
  // RFC 3339 with sub-seconds kept.
  absl::Time at = absl::UnixEpoch();
  // The vote record's version.
  uint64_t version = 0;

  friend bool operator==(const PollVote&, const PollVote&) = default;
};

enum class VoteKind : uint8_t {
  kCreated,    // a new vote
  kUnchanged,  // the same option again: the stored vote, nothing written
  kChanged,    // another option, where the poll allows changes
};

struct VoteResult {
  VoteKind kind = VoteKind::kCreated;
  PollVote vote{};
};

// The counts of one poll: every option of the poll (0 when nobody chose it)
// and any option still counted that the poll no longer lists.
struct PollTally {
  std::string poll{};
  std::map<std::string, int64_t> counts{};
  int64_t total = 0;
  // The highest version among the tally's records (0: no vote yet).
  uint64_t version = 0;

  friend bool operator==(const PollTally&, const PollTally&) = default;
};

struct PollServiceStats {
  uint64_t votes_committed = 0;   // kCreated + kChanged
  uint64_t votes_unchanged = 0;
  uint64_t batches = 0;           // group-commit WriteBatches that succeeded
  uint64_t fallbacks = 0;         // batches re-run vote by vote after a conflict
  uint64_t rules_fired = 0;       // by this service
  uint64_t rule_errors = 0;       // rule firings that failed (rule left unfired)
};

// A live Subscribe. Destroying it stops delivery; it waits for a callback in
// progress, so it must not be destroyed from inside its own callback. It may
// outlive the service (then nothing more is delivered).
class MARQUEE_EXPORT PollSubscription {
 public:
  virtual ~PollSubscription() = default;
};

class MARQUEE_EXPORT PollService {
 public:
  // Errors: InvalidArgument (null store, an option out of range),
  // those of PrepareCampaignStore.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PollService>> Open(
      Store* store, const PollServiceOptions& options = {});

  // Commits what is pending, stops the background threads.
  ~PollService();
  PollService(const PollService&) = delete;
  PollService& operator=(const PollService&) = delete;

  // Stores a new poll (rules must not be fired yet). Returns it with its
  // version.
  // Errors: InvalidArgument (ValidatePoll's; a rule with firedAt set),
  // AlreadyExists, those of Store::Write.
  [[nodiscard]] absl::StatusOr<Poll> CreatePoll(const Poll& poll);

  // Errors: NotFound, InvalidArgument (bad id; a stored body that does not
  // read), Unavailable.
  [[nodiscard]] absl::StatusOr<Poll> GetPoll(std::string_view poll_id) const;

  // Closes the poll now (closesAt = clock now), unless it is closed
  // already. Returns the poll.
  // Errors: NotFound, InvalidArgument (bad id), Aborted (max_retries
  // conflicts), those of Store::Write.
  [[nodiscard]] absl::StatusOr<Poll> ClosePoll(std::string_view poll_id);

  // Replaces poll.id's definition (question, options, window, targeting,
  // vote changes, rules) when its version is `expected_version` (nullopt:
  // any). Votes and tallies stay: an option that is dropped keeps its
  // counted votes (PollTally lists it). A rule that has fired cannot be
  // changed or removed (send it back as read, firedAt included), and
  // firedAt cannot be set on any other rule. Returns the stored poll.
  // Errors: InvalidArgument (ValidatePoll's; firedAt set by the caller),
  // NotFound, FailedPrecondition (version mismatch; a fired rule changed),
  // those of Store::Write.
  [[nodiscard]] absl::StatusOr<Poll> UpdatePoll(const Poll& poll,
                                                std::optional<uint64_t> expected_version);

  // Erases the poll (when its version is `expected_version`; nullopt: any),
  // then its votes and tally records, a page at a time. A vote committed
  // while the poll is being erased may outlive it (votes/<poll>/<user>
  // without a poll, counted nowhere); DeletePoll of the same id afterwards
  // answers NotFound, and EraseUser still finds such votes.
  // Errors: NotFound, InvalidArgument (bad id), FailedPrecondition (version
  // mismatch), those of Store::Scan and Store::Write.
  [[nodiscard]] absl::Status DeletePoll(std::string_view poll_id,
                                        std::optional<uint64_t> expected_version);

  // Records `user_id`'s vote for `option_key` (see the file comment).
  // `attributes` (an object or null) are matched against the targeting.
  // Errors: InvalidArgument (bad poll or user id, unknown option,
  // attributes not an object), NotFound (no such poll), FailedPrecondition
  // ("poll is not open yet", "poll is closed", "already voted for '<x>'
  // and the poll does not allow changing a vote"), PermissionDenied (the
  // attributes do not match the poll's targeting), ResourceExhausted
  // (queue_capacity votes pending), Aborted (max_retries conflicts),
  // Cancelled (the service is shutting down), those of Store::Write.
  [[nodiscard]] absl::StatusOr<VoteResult> Vote(std::string_view poll_id,
                                                std::string_view user_id,
                                                std::string_view option_key,
                                                const Value& attributes = {});

  // Vote without waiting: `done` runs once, on the committer thread (or on
  // the caller's, for an error found before queueing), with what Vote
  // would return. It must not block for long nor call Vote.
  void VoteAsync(std::string_view poll_id, std::string_view user_id,
                 std::string_view option_key, const Value& attributes,
                 std::function<void(absl::StatusOr<VoteResult>)> done);

  // The user's vote on the poll.
  // Errors: NotFound (no vote), InvalidArgument (bad ids), Unavailable.
  [[nodiscard]] absl::StatusOr<PollVote> GetVote(std::string_view poll_id,
                                                 std::string_view user_id) const;

  // The poll's tally, summed over its tally records.
  // Errors: NotFound (no such poll), InvalidArgument (bad id), DataLoss (a
  // tally record that does not read), Unavailable.
  [[nodiscard]] absl::StatusOr<PollTally> Tally(std::string_view poll_id) const;

  // Delivers the poll's tally to `on_update` on a background thread,
  // coalesced (see the file comment).
  // Errors: InvalidArgument (bad id, empty callback), those of
  // Store::Watch.
  [[nodiscard]] absl::StatusOr<std::unique_ptr<PollSubscription>> Subscribe(
      std::string_view poll_id, std::function<void(const PollTally&)> on_update);

  PollServiceStats stats() const;

 private:
  struct Impl;
  explicit PollService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_POLL_SERVICE_H_
