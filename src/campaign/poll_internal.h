// Record layouts of the poll service (poll.h, poll_service.h): instants,
// vote and tally bodies, ids, and reading a poll's tally.
#ifndef MARQUEE_SRC_CAMPAIGN_POLL_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_POLL_INTERNAL_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/campaign/poll_service.h"
#include "marquee/json.h"
#include "marquee/record.h"
#include "marquee/store.h"

namespace marquee::campaign::internal {

// RFC 3339 with an offset ("2026-03-01T09:00:00Z"), sub-seconds kept.
// Errors: InvalidArgument ("not an RFC 3339 instant such as ...").
absl::StatusOr<absl::Time> ParseInstant(std::string_view text);
// RFC 3339 in UTC, sub-seconds only when present.
std::string FormatInstant(absl::Time t);

// "<poll id>/<user id>".
std::string VoteId(std::string_view poll, std::string_view user);
// The tally record a user's votes count in: "<poll>" for one shard, else
// "<poll>#<hash(user) % shards>". The hash is FNV-1a, stable across
// processes.
std::string TallyShardId(std::string_view poll, std::string_view user, int shards);
std::string TallyShardId(std::string_view poll, int shard, int shards);
// The poll id of a tally record id ("p#3" -> "p").
std::string_view PollOfTallyId(std::string_view tally_id);

// {"poll","user","option","at"}.
absl::StatusOr<Json> VoteBody(const PollVote& vote);
// The vote stored in `record` (version from the record).
// Errors: DataLoss naming the record.
absl::StatusOr<PollVote> VoteFromRecord(const Record& record);

// One tally record's counters.
struct TallyCounts {
  std::map<std::string, int64_t> counts{};
  int64_t total = 0;
};
// {"poll","counts":{...},"total"}.
absl::StatusOr<Json> TallyBody(std::string_view poll, const TallyCounts& counts);
// Errors: DataLoss naming the record.
absl::StatusOr<TallyCounts> TallyFromRecord(const Record& record);

// The sum of every tally record of `poll` (the whole one and any shard);
// every option of `options_of` listed. version: the highest record version.
// Errors: DataLoss, those of Store::Get / Scan.
absl::StatusOr<PollTally> ReadTally(const Store& store, const Poll& poll);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_POLL_INTERNAL_H_
