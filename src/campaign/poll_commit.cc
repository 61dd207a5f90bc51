// The group-commit thread of PollService (poll_service.h, "Group commit").
// One thread owns every vote write of the service, so votes of one service
// never conflict with each other; a conflict means another writer (another
// service on the store, an erasure) and sends the batch vote by vote.
#include <algorithm>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "campaign/poll_internal.h"
#include "campaign/poll_service_internal.h"
#include "marquee/campaign/collections.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

using internal::PendingVote;

// The state of one vote record while a batch is planned.
struct VoteSlot {
  std::optional<PollVote> stored{};   // as read from the store
  std::optional<PollVote> planned{};  // what the batch writes
};

struct ShardSlot {
  uint64_t version = 0;  // 0: absent
  internal::TallyCounts counts{};
  bool touched = false;
};

// One planned batch: the write, and for each vote its outcome. An outcome
// with a value waits for the write; `from_batch` results get its version.
struct Plan {
  WriteBatch batch{};
  std::vector<absl::StatusOr<VoteResult>> outcomes{};
  std::vector<bool> from_batch{};
  size_t committed = 0;  // created + changed
};

class Planner {
 public:
  Planner(const Store& store, int shards) : store_(store), shards_(shards) {}

  absl::StatusOr<Plan> Build(const std::vector<PendingVote*>& votes) {
    Plan plan;
    plan.outcomes.reserve(votes.size());
    plan.from_batch.assign(votes.size(), false);
    std::vector<std::pair<std::string, std::string>> decrements;  // (user shard, option)
    for (size_t i = 0; i < votes.size(); ++i) {
      const PendingVote& v = *votes[i];
      std::string id = internal::VoteId(v.poll, v.user);
      auto [it, inserted] = slots_.try_emplace(id);
      VoteSlot& slot = it->second;
      if (inserted) {
        absl::StatusOr<Record> r = store_.Get(kVotesCollection, id);
        if (r.ok()) {
          absl::StatusOr<PollVote> stored = internal::VoteFromRecord(*r);
          if (!stored.ok()) {
            slots_.erase(it);
            plan.outcomes.push_back(stored.status());
            continue;
          }
          slot.stored = *std::move(stored);
        } else if (!absl::IsNotFound(r.status())) {
          slots_.erase(it);
          plan.outcomes.push_back(r.status());
          continue;
        }
      }
      const PollVote* current = slot.planned ? &*slot.planned : slot.stored ? &*slot.stored : nullptr;
      const std::string shard = internal::TallyShardId(v.poll, v.user, shards_);
      if (current != nullptr && current->option == v.option) {
        plan.outcomes.push_back(VoteResult{.kind = VoteKind::kUnchanged, .vote = *current});
        plan.from_batch[i] = slot.planned.has_value();
        continue;
      }
      if (current != nullptr && !v.allow_change) {
        plan.outcomes.push_back(absl::FailedPreconditionError(absl::StrCat(
            "user '", v.user, "' already voted for '", current->option, "' in poll '", v.poll,
            "', and the poll does not allow changing a vote")));
        continue;
      }
      VoteKind kind = VoteKind::kCreated;
      if (current != nullptr) {
        kind = VoteKind::kChanged;
        decrements.emplace_back(shard, current->option);
      }
      MARQUEE_RETURN_IF_ERROR(Shard(shard));
      ShardSlot& s = shards_by_id_[shard];
      s.counts.counts[v.option] += 1;
      if (kind == VoteKind::kCreated) s.counts.total += 1;
      s.touched = true;
      slot.planned = PollVote{.poll = v.poll, .user = v.user, .option = v.option, .at = v.at};
      plan.outcomes.push_back(VoteResult{.kind = kind, .vote = *slot.planned});
      plan.from_batch[i] = true;
      ++plan.committed;
    }
    for (const auto& [shard, option] : decrements) MARQUEE_RETURN_IF_ERROR(Decrement(shard, option));
    for (const auto& [id, slot] : slots_) {
      if (!slot.planned) continue;
      MARQUEE_ASSIGN_OR_RETURN(Json body, internal::VoteBody(*slot.planned));
      plan.batch.Put(std::string(kVotesCollection), id, std::move(body),
                     {.expected_version = slot.stored ? slot.stored->version : 0});
    }
    for (const auto& [id, s] : shards_by_id_) {
      if (!s.touched) continue;
      MARQUEE_ASSIGN_OR_RETURN(Json body, internal::TallyBody(internal::PollOfTallyId(id), s.counts));
      plan.batch.Put(std::string(kPollTalliesCollection), id, std::move(body),
                     {.expected_version = s.version});
    }
    return plan;
  }

 private:
  // Loads a tally shard once per plan.
  absl::Status Shard(const std::string& id) {
    if (shards_by_id_.contains(id)) return absl::OkStatus();
    ShardSlot slot;
    absl::StatusOr<Record> r = store_.Get(kPollTalliesCollection, id);
    if (r.ok()) {
      MARQUEE_ASSIGN_OR_RETURN(slot.counts, internal::TallyFromRecord(*r));
      slot.version = r->version;
    } else if (!absl::IsNotFound(r.status())) {
      return r.status();
    }
    shards_by_id_.emplace(id, std::move(slot));
    return absl::OkStatus();
  }

  // One count less for `option`, in the user's shard when it has one, else
  // in the first shard of the poll that does (so no shard goes negative).
  absl::Status Decrement(const std::string& user_shard, const std::string& option) {
    const std::string poll(internal::PollOfTallyId(user_shard));
    std::vector<std::string> candidates = {user_shard};
    for (int n = 0; n < shards_ && shards_ > 1; ++n) {
      candidates.push_back(internal::TallyShardId(poll, n, shards_));
    }
    for (const std::string& id : candidates) {
      MARQUEE_RETURN_IF_ERROR(Shard(id));
      ShardSlot& s = shards_by_id_[id];
      auto it = s.counts.counts.find(option);
      if (it != s.counts.counts.end() && it->second > 0) {
        it->second -= 1;
        s.touched = true;
        return absl::OkStatus();
      }
    }
    // Nothing counted it (an erasure raced the change): leave the counts.
    return absl::OkStatus();
  }

  const Store& store_;
  const int shards_;
  absl::flat_hash_map<std::string, VoteSlot> slots_;
  std::map<std::string, ShardSlot> shards_by_id_;
};

}  // namespace

void PollService::Impl::RunCommitter() {
  std::vector<PendingVote> batch;
  for (;;) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [this] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping, and everything committed
      const size_t n = std::min(queue.size(), options.max_votes_per_write);
      batch.clear();
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    CommitBatch(batch);
  }
}

void PollService::Impl::CommitBatch(std::vector<PendingVote>& batch) {
  std::vector<absl::StatusOr<VoteResult>> results(batch.size(),
                                                   absl::InternalError("vote not committed"));
  // Commits `votes` (indexes into batch) as one write; false on a conflict.
  auto attempt = [&](const std::vector<size_t>& which) -> bool {
    std::vector<PendingVote*> votes;
    votes.reserve(which.size());
    for (size_t i : which) votes.push_back(&batch[i]);
    Planner planner(*store, options.tally_shards);
    absl::StatusOr<Plan> plan = planner.Build(votes);
    if (!plan.ok()) {
      for (size_t i : which) results[i] = plan.status();
      return true;
    }
    uint64_t version = 0;
    if (!plan->batch.empty()) {
      absl::StatusOr<uint64_t> written = store->Write(plan->batch);
      if (absl::IsFailedPrecondition(written.status())) return false;
      if (!written.ok()) {
        for (size_t k = 0; k < which.size(); ++k) {
          results[which[k]] = plan->from_batch[k] ? absl::StatusOr<VoteResult>(written.status())
                                                  : std::move(plan->outcomes[k]);
        }
        return true;
      }
      version = *written;
      batches.fetch_add(1, std::memory_order_relaxed);
    }
    for (size_t k = 0; k < which.size(); ++k) {
      absl::StatusOr<VoteResult>& out = plan->outcomes[k];
      if (out.ok()) {
        if (plan->from_batch[k]) out->vote.version = version;
        if (out->kind == VoteKind::kUnchanged) {
          votes_unchanged.fetch_add(1, std::memory_order_relaxed);
        } else {
          votes_committed.fetch_add(1, std::memory_order_relaxed);
        }
      }
      results[which[k]] = std::move(out);
    }
    return true;
  };

  std::vector<size_t> all(batch.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  if (!attempt(all)) {
    // Someone else wrote one of the records: vote by vote, so one conflict
    // cannot fail the others.
    fallbacks.fetch_add(1, std::memory_order_relaxed);
    for (size_t i = 0; i < batch.size(); ++i) {
      bool done = false;
      for (int tries = 0; tries < options.max_retries && !done; ++tries) done = attempt({i});
      if (!done) {
        results[i] = absl::AbortedError(absl::StrCat("vote of '", batch[i].user, "' in poll '",
                                                     batch[i].poll, "': ", options.max_retries,
                                                     " conflicting writes"));
      }
    }
  }

  // Rules see the tally this batch made; Vote returns after they ran.
  absl::flat_hash_set<std::string> rule_polls;
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].has_unfired_rules && results[i].ok() &&
        results[i]->kind != VoteKind::kUnchanged) {
      rule_polls.insert(batch[i].poll);
    }
  }
  for (const std::string& poll : rule_polls) FireRules(poll);

  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
}

}  // namespace marquee::campaign
