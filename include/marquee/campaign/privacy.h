// marquee/campaign/privacy.h — GDPR erasure and export of one user's data.
//
// EraseUser removes everything the domain holds about a user; ExportUser
// returns it as one JSON document (the right of access). What is "about a
// user":
//   - the profile, profiles/<user id>;
//   - the user's votes, votes/<poll id>/<user id>, found by the votes
//     "by_user" index. Each vote removed is subtracted from its poll's
//     tally (poll_tallies/<poll id>, or, when tallies are sharded, the first
//     shard <poll id>#<n> whose count for the option is positive) in the
//     same WriteBatch as the vote's erase, with compare-and-set on both, so
//     tallies always equal the votes that remain;
//   - every sticky-bucket document whose attributeValue is the user id,
//     whatever the attribute's name ("id", "deviceId", ...), found by the
//     sticky_buckets "by_attribute_value" index;
//   - the host's own records keyed by the user (UserKeyedCollection).
// Event aggregates stay: they count events per campaign, variant and time
// bucket and carry no user id. Campaigns, segments, features and polls are
// configuration, not personal data.
// Erase writes bounded batches (max_batch_ops), each atomic, so a user with
// 10,000 votes never makes one huge commit; a batch that meets a
// concurrent change is read again and retried (smaller). Erase is
// idempotent: a second call finds nothing and reports nothing, and erasing
// a user that never existed is OK with an empty report. Records the user
// writes while the erase runs may survive it: block the user first.
// REQUIRES: the store has the domain's indexes (PrepareCampaignStore) and
// the indexes named by UserKeyedCollection.
// Thread-safety: both functions may be called concurrently with any other
// store use.
//
//   absl::StatusOr<Json> data = ExportUser(*store, "u42");   // before erasing, if asked
//   absl::StatusOr<ErasureReport> report = EraseUser(*store, "u42",
//       {.extra_collections = {{.collection = "orders", .index = "by_user"}}});
//   if (report.ok()) LOG(INFO) << "erased " << report->total << " records";
#ifndef MARQUEE_CAMPAIGN_PRIVACY_H_
#define MARQUEE_CAMPAIGN_PRIVACY_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/export.h"
#include "marquee/json.h"
#include "marquee/store.h"

namespace marquee::campaign {

// A host collection whose records belong to one user.
struct UserKeyedCollection {
  // Not a domain collection (those are handled already). Its name is also
  // the member of ExportUser's document that lists its records, so it
  // must not be "user", "profile", "votes" or "stickyBuckets" either.
  std::string collection{};
  // A declared index whose first field holds the user id; the user's rows
  // are those whose first field equals it. "": the record id is the user id
  // (one record per user). Default: "".
  std::string index{};
};

struct EraseOptions {
  // Host collections to erase the user's records from. Default: none.
  std::vector<UserKeyedCollection> extra_collections{};
  // Most operations in one WriteBatch (a vote counts two: the vote and its
  // tally); 2..10,000. Default: 500.
  size_t max_batch_ops = 500;
  // Conflicting batches in a row before giving up with Aborted; 1..1000.
  // Default: 16.
  int max_retries = 16;
};

struct ErasureReport {
  // Ids removed, by collection; collections with nothing removed are absent.
  std::map<std::string, std::vector<std::string>, std::less<>> removed{};
  // Votes subtracted, by poll_tallies record id.
  std::map<std::string, int64_t, std::less<>> tally_decrements{};
  // Records removed in all (the sum of removed's sizes).
  size_t total = 0;
  // WriteBatches committed.
  size_t batches = 0;
};

// Removes everything held about `user` (see the top of this file) and
// reports what it removed.
// Errors: InvalidArgument (bad user id: ValidateUserId; bad options, naming
// the field), FailedPrecondition (an index it needs is not declared, naming
// it), Aborted (max_retries conflicting batches in a row; what was
// committed before stays erased, and calling again finishes the job),
// DataLoss (a vote or tally body that cannot be read, naming the record),
// those of Store::Scan, Get and Write. On an error, the batches committed
// before it stay committed.
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<ErasureReport> EraseUser(
    Store& store, std::string_view user, const EraseOptions& options = {});

struct ExportOptions {
  // Host collections whose records of the user are exported too.
  // Default: none.
  std::vector<UserKeyedCollection> extra_collections{};
  // Rows read per Scan; 1..10,000. Default: 500.
  size_t page_size = 500;
  // Most records exported; more is ResourceExhausted, never a truncated
  // export. Default: 1,000,000.
  size_t max_records = 1'000'000;
  // Largest document returned, in bytes. Default: 256 MiB.
  size_t max_bytes = size_t{256} << 20;
};

// Everything held about `user`, as one JSON document:
//   {"user": "<id>", "profile": <record> or null, "votes": [<record>...],
//    "stickyBuckets": [<record>...], "<extra collection>": [<record>...]}
// where each record is written as AppendRecordJson writes it (id,
// collection, version, schema, timestamps, body), in index order.
// Errors: InvalidArgument (bad user id; bad options), FailedPrecondition (an
// index it needs is not declared), ResourceExhausted (over max_records or
// max_bytes), those of Store::Scan and Get.
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Json> ExportUser(const Store& store,
                                                             std::string_view user,
                                                             const ExportOptions& options = {});

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_PRIVACY_H_
