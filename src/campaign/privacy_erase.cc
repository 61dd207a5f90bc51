// EraseUser (privacy.h): the user's votes (with their tallies), sticky
// buckets, host records and profile, in bounded compare-and-set batches.
#include <algorithm>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/privacy_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/privacy.h"
#include "marquee/campaign/profile.h"
#include "marquee/status.h"

namespace marquee::campaign {
namespace {

using ::marquee::internal::Sv;

// What one batch will remove, for the report once it commits.
struct Planned {
  WriteBatch batch;
  std::vector<std::pair<std::string, std::string>> removed;  // collection, id
  std::vector<std::string> tallies;                          // tally ids decremented
};

class Eraser {
 public:
  Eraser(Store& store, std::string_view user, const EraseOptions& options)
      : store_(store), user_(user), options_(options), budget_(options.max_batch_ops) {}

  absl::Status Run() {
    MARQUEE_RETURN_IF_ERROR(EraseVotes());
    MARQUEE_RETURN_IF_ERROR(EraseIndexed(kStickyBucketsCollection, kStickyBucketsByValueIndex));
    for (const UserKeyedCollection& c : options_.extra_collections) {
      if (c.index.empty()) {
        MARQUEE_RETURN_IF_ERROR(EraseById(c.collection));
      } else {
        MARQUEE_RETURN_IF_ERROR(EraseIndexed(c.collection, c.index));
      }
    }
    return EraseById(kProfilesCollection);
  }

  ErasureReport& report() { return report_; }

 private:
  // Commits `planned`. A failed condition (a concurrent change) is not an
  // error: the caller reads again, with a smaller batch, up to max_retries
  // times in a row. Returns whether it committed.
  absl::StatusOr<bool> Commit(Planned& planned) {
    absl::StatusOr<uint64_t> written = store_.Write(planned.batch);
    if (absl::IsFailedPrecondition(written.status())) {
      if (++conflicts_ >= options_.max_retries) {
        return absl::AbortedError(absl::StrCat("erasing user '", user_, "': ", conflicts_,
                                               " conflicting batches in a row; ",
                                               report_.total,
                                               " records were erased, call again to finish"));
      }
      budget_ = std::max<size_t>(2, budget_ / 2);
      return false;
    }
    if (!written.ok()) return written.status();
    conflicts_ = 0;
    budget_ = std::min(options_.max_batch_ops, budget_ * 2);
    ++report_.batches;
    for (auto& [collection, id] : planned.removed) {
      report_.removed[collection].push_back(std::move(id));
      ++report_.total;
    }
    for (const std::string& tally : planned.tallies) ++report_.tally_decrements[tally];
    return true;
  }

  // Votes go with their tallies: an erase and a decrement per vote.
  absl::Status EraseVotes() {
    for (;;) {
      MARQUEE_ASSIGN_OR_RETURN(
          ScanResult page, internal::ScanUserRows(store_, kVotesCollection, kVotesByUserIndex,
                                                  user_, std::max<size_t>(1, budget_ / 2),
                                                  std::nullopt));
      if (page.records.empty()) return absl::OkStatus();
      Planned planned;
      std::set<std::string, std::less<>> tallies_in_batch;
      for (const Record& vote : page.records) {
        const std::string_view body = vote.body.text();
        std::optional<std::string> poll = internal::StringMember(body, "poll");
        if (!poll) poll = vote.id.substr(0, vote.id.rfind('/'));  // "<poll>/<user>"
        std::optional<std::string> option = internal::StringMember(body, "option");
        std::optional<internal::TallyDecrement> decrement;
        if (option) {
          MARQUEE_ASSIGN_OR_RETURN(decrement,
                                   internal::PlanTallyDecrement(store_, *poll, *option));
        }
        // One write per tally per batch: a second vote on the same tally
        // (only possible with stray data) waits for the next batch.
        if (decrement && tallies_in_batch.count(decrement->id) > 0) break;
        planned.batch.Erase(vote.collection, vote.id, {.expected_version = vote.version});
        planned.removed.emplace_back(vote.collection, vote.id);
        if (decrement) {
          tallies_in_batch.insert(decrement->id);
          planned.batch.Put(std::string(kPollTalliesCollection), decrement->id,
                            std::move(decrement->body), {.expected_version = decrement->version},
                            decrement->schema);
          planned.tallies.push_back(decrement->id);
        }
      }
      MARQUEE_RETURN_IF_ERROR(Commit(planned).status());
    }
  }

  // Rows found by an index whose first field is the user id.
  absl::Status EraseIndexed(std::string_view collection, std::string_view index) {
    for (;;) {
      MARQUEE_ASSIGN_OR_RETURN(
          ScanResult page,
          internal::ScanUserRows(store_, collection, index, user_, budget_, std::nullopt));
      if (page.records.empty()) return absl::OkStatus();
      Planned planned;
      for (const Record& row : page.records) {
        planned.batch.Erase(row.collection, row.id, {.expected_version = row.version});
        planned.removed.emplace_back(row.collection, row.id);
      }
      MARQUEE_RETURN_IF_ERROR(Commit(planned).status());
    }
  }

  // The one record of `collection` whose id is the user id.
  absl::Status EraseById(std::string_view collection) {
    for (;;) {
      absl::StatusOr<Record> record = store_.Get(collection, user_);
      if (absl::IsNotFound(record.status())) return absl::OkStatus();
      if (!record.ok()) return record.status();
      Planned planned;
      planned.batch.Erase(record->collection, record->id, {.expected_version = record->version});
      planned.removed.emplace_back(record->collection, record->id);
      MARQUEE_ASSIGN_OR_RETURN(bool committed, Commit(planned));
      if (committed) return absl::OkStatus();
    }
  }

  Store& store_;
  const std::string user_;
  const EraseOptions& options_;
  size_t budget_;  // operations in the next batch; halves on a conflict
  int conflicts_ = 0;
  ErasureReport report_;
};

}  // namespace

absl::StatusOr<ErasureReport> EraseUser(Store& store, std::string_view user,
                                        const EraseOptions& options) {
  MARQUEE_RETURN_IF_ERROR(ValidateUserId(user));
  if (options.max_batch_ops < 2 || options.max_batch_ops > 10'000) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_batch_ops: must be in 2..10000, got ", options.max_batch_ops));
  }
  if (options.max_retries < 1 || options.max_retries > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_retries: must be in 1..1000, got ", options.max_retries));
  }
  MARQUEE_RETURN_IF_ERROR(internal::ValidateUserKeyedCollections(options.extra_collections));
  MARQUEE_RETURN_IF_ERROR(internal::CheckUserIndexes(store, options.extra_collections));
  Eraser eraser(store, user, options);
  MARQUEE_RETURN_IF_ERROR(eraser.Run());
  return std::move(eraser.report());
}

}  // namespace marquee::campaign
