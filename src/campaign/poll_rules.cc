// Poll-driven campaign rules, fired exactly once (poll_service.h, "Rules").
// Exactly once rests on one WriteBatch holding both the poll (with the
// rule's firedAt) and the campaign (with the new weights), each under
// compare-and-set: of two writers racing to fire a rule, one commits and the
// other's batch fails as a whole, re-reads the poll and sees firedAt.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "campaign/poll_internal.h"
#include "campaign/poll_service_internal.h"
#include "marquee/campaign/campaign.h"
#include "marquee/campaign/collections.h"

namespace marquee::campaign {
namespace {

// Whether `rule` holds for `tally`: at least min_votes votes, and its option
// ahead of the best other option by lead_points percentage points.
bool RuleHolds(const PollRule& rule, const Poll& poll, const PollTally& tally) {
  if (tally.total < rule.min_votes || tally.total <= 0) return false;
  auto count = [&tally](const std::string& option) -> int64_t {
    auto it = tally.counts.find(option);
    return it == tally.counts.end() ? 0 : it->second;
  };
  int64_t best_other = 0;
  for (const PollOption& o : poll.options) {
    if (o.key != rule.option) best_other = std::max(best_other, count(o.key));
  }
  const double lead =
      100.0 * static_cast<double>(count(rule.option) - best_other) / static_cast<double>(tally.total);
  return lead >= rule.lead_points;
}

}  // namespace

void PollService::Impl::FireRules(const std::string& poll_id) {
  absl::flat_hash_set<std::string> failed;  // rules that cannot fire now
  for (int attempt = 0; attempt < options.max_retries; ++attempt) {
    absl::StatusOr<std::shared_ptr<const internal::CachedPoll>> cached = LoadPoll(poll_id);
    if (!cached.ok()) return;
    const Poll& poll = (*cached)->poll;
    if (!(*cached)->has_unfired_rules) return;
    absl::StatusOr<PollTally> tally = internal::ReadTally(*store, poll);
    if (!tally.ok()) {
      rule_errors.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    const PollRule* rule = nullptr;
    size_t index = 0;
    for (size_t i = 0; i < poll.rules.size() && rule == nullptr; ++i) {
      const PollRule& r = poll.rules[i];
      if (!r.fired_at && !failed.contains(r.id) && RuleHolds(r, poll, *tally)) {
        rule = &r;
        index = i;
      }
    }
    if (rule == nullptr) return;
    absl::StatusOr<Record> campaign = store->Get(kCampaignsCollection, rule->campaign);
    absl::StatusOr<Json> weighted = campaign.ok()
                                        ? WithVariantWeights(campaign->body, rule->weights)
                                        : absl::StatusOr<Json>(campaign.status());
    Poll fired = poll;
    fired.rules[index].fired_at = clock->Now();
    absl::StatusOr<Json> poll_body = PollToJson(fired);
    if (!weighted.ok() || !poll_body.ok()) {
      rule_errors.fetch_add(1, std::memory_order_relaxed);
      failed.insert(rule->id);
      --attempt;  // not a conflict: go on with the next rule
      continue;
    }
    WriteBatch batch;
    batch.Put(std::string(kPollsCollection), poll.id, *std::move(poll_body),
              {.expected_version = poll.version});
    batch.Put(std::string(kCampaignsCollection), rule->campaign, *std::move(weighted),
              {.expected_version = campaign->version}, campaign->schema);
    absl::StatusOr<uint64_t> written = store->Write(batch);
    if (written.ok()) {
      rules_fired.fetch_add(1, std::memory_order_relaxed);
      continue;  // another rule may hold too
    }
    if (!absl::IsFailedPrecondition(written.status())) {
      rule_errors.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
}

}  // namespace marquee::campaign
