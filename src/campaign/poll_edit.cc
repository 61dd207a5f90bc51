// PollService::UpdatePoll and DeletePoll (poll_service.h).
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "campaign/poll_internal.h"
#include "campaign/poll_service_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/poll_service.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

using ::marquee::internal::Sv;

constexpr size_t kErasePage = 500;

// Fired rules are history: they stay as they are. firedAt is the service's
// to set, never the caller's.
absl::Status CheckRules(const Poll& current, const Poll& next) {
  for (size_t i = 0; i < current.rules.size(); ++i) {
    if (!current.rules[i].fired_at) continue;
    if (i >= next.rules.size() || !(next.rules[i] == current.rules[i])) {
      return absl::FailedPreconditionError(absl::StrCat(
          "rules[", i, "] has fired: it cannot be changed or removed (send it back as read)"));
    }
  }
  for (size_t i = 0; i < next.rules.size(); ++i) {
    if (!next.rules[i].fired_at) continue;
    if (i >= current.rules.size() || !(next.rules[i] == current.rules[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat("rules[", i, "].firedAt: set by the service when the rule fires"));
    }
  }
  return absl::OkStatus();
}

absl::Status VersionMismatch(std::string_view id, uint64_t current, uint64_t expected) {
  return absl::FailedPreconditionError(
      absl::StrCat("poll '", Sv(id), "' is at version ", current, ", not ", expected));
}

// Erases every record of `request`'s range, a page at a time.
absl::Status EraseAll(Store& store, ScanRequest request) {
  request.limit = kErasePage;
  while (true) {
    MARQUEE_ASSIGN_OR_RETURN(ScanResult page, store.Scan(request));
    WriteBatch erase;
    for (const Record& r : page.records) erase.Erase(r.collection, r.id);
    if (!erase.empty()) MARQUEE_RETURN_IF_ERROR(store.Write(erase).status());
    if (!page.more || !page.end) return absl::OkStatus();
    request.after = page.end;
  }
}

}  // namespace

absl::StatusOr<Poll> PollService::UpdatePoll(const Poll& poll,
                                             std::optional<uint64_t> expected_version) {
  MARQUEE_RETURN_IF_ERROR(ValidatePoll(poll));
  MARQUEE_ASSIGN_OR_RETURN(std::shared_ptr<const internal::CachedPoll> cached,
                           impl_->LoadPoll(poll.id));
  const Poll& current = cached->poll;
  if (expected_version && *expected_version != current.version) {
    return VersionMismatch(poll.id, current.version, *expected_version);
  }
  MARQUEE_RETURN_IF_ERROR(CheckRules(current, poll));
  MARQUEE_ASSIGN_OR_RETURN(Json body, PollToJson(poll));
  WriteBatch batch;
  batch.Put(std::string(kPollsCollection), poll.id, body, {.expected_version = current.version});
  absl::StatusOr<uint64_t> version = impl_->store->Write(batch);
  if (absl::IsFailedPrecondition(version.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat("poll '", poll.id, "' changed while it was updated (a vote rule fired?)"));
  }
  MARQUEE_RETURN_IF_ERROR(version.status());
  Poll out = poll;
  out.version = *version;
  return out;
}

absl::Status PollService::DeletePoll(std::string_view poll_id,
                                     std::optional<uint64_t> expected_version) {
  MARQUEE_ASSIGN_OR_RETURN(std::shared_ptr<const internal::CachedPoll> cached,
                           impl_->LoadPoll(poll_id));
  const uint64_t current = cached->poll.version;
  if (expected_version && *expected_version != current) {
    return VersionMismatch(poll_id, current, *expected_version);
  }
  WriteBatch erase_poll;
  erase_poll.Erase(std::string(kPollsCollection), std::string(poll_id),
                   {.expected_version = current});
  absl::StatusOr<uint64_t> erased = impl_->store->Write(erase_poll);
  if (absl::IsFailedPrecondition(erased.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat("poll '", Sv(poll_id), "' changed while it was deleted"));
  }
  MARQUEE_RETURN_IF_ERROR(erased.status());
  // Its votes (by_poll index) and its tally records (the whole one and the
  // shards "<poll>#n").
  MARQUEE_RETURN_IF_ERROR(EraseAll(
      *impl_->store, {.collection = std::string(kVotesCollection),
                      .index = std::string(kVotesByPollIndex),
                      .prefix = {IndexValue::String(std::string(poll_id))}}));
  WriteBatch erase_tally;
  erase_tally.Erase(std::string(kPollTalliesCollection), std::string(poll_id));
  MARQUEE_RETURN_IF_ERROR(impl_->store->Write(erase_tally).status());
  return EraseAll(
      *impl_->store,
      {.collection = std::string(kPollTalliesCollection),
       .lower = RangeBound{.value = IndexValue::String(absl::StrCat(Sv(poll_id), "#"))},
       .upper = RangeBound{.value = IndexValue::String(absl::StrCat(Sv(poll_id), "$")),
                           .inclusive = false}});
}

}  // namespace marquee::campaign
