// marquee/campaign/poll.h — the poll model: values, JSON record, validation.
//
// A Poll asks one question with a few options, may be open only between two
// instants, may be limited to users matching a GrowthBook condition, and may
// carry rules that change a campaign when an option leads ("when option X
// leads by N points after M votes, set campaign C's variant weights to W").
// This header gives the plain value types, their record body (collection
// "polls", id = poll id, schema version 1) and the validation every write
// goes through; PollService (poll_service.h) takes the votes.
//
// The record body, camelCase, as PollToJson writes it (optional members only
// when set):
//   {"question": "Which colour?",
//    "options": [{"key": "red", "label": "Red"}, {"key": "blue", "label": "Blue"}],
//    "opensAt": "2026-03-01T09:00:00Z", "closesAt": "2026-03-08T09:00:00Z",
//    "targeting": {"condition": {"country": "FR"}},
//    "allowVoteChange": false,
//    "rules": [{"id": "r1", "option": "red", "leadPoints": 10, "minVotes": 100,
//               "campaign": "spring", "weights": [0.2, 0.8],
//               "firedAt": "2026-03-02T10:00:00Z"}]}
// "question" and "options" are required; unknown members are rejected
// (InvalidArgument naming them), so a misspelt setting never silently does
// nothing. Instants are RFC 3339 with an offset.
// Poll ids: 1..256 bytes of UTF-8, no control characters, no '/' (votes are
// keyed "<poll id>/<user id>") and no '#' (tally shards are "<poll id>#<n>").
// Thread-safety: values and pure functions.
//
//   absl::StatusOr<Poll> poll = PollFromJson("colour", *Json::Parse(body_text));
//   if (!poll.ok()) return poll.status();  // "options[1].key: duplicate key 'red'"
//   absl::StatusOr<Json> body = PollToJson(*poll);
#ifndef MARQUEE_CAMPAIGN_POLL_H_
#define MARQUEE_CAMPAIGN_POLL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/campaign/value.h"
#include "marquee/export.h"
#include "marquee/json.h"

namespace marquee::campaign {

// Longest poll id, in bytes (a vote id is "<poll id>/<user id>", at most
// kMaxIdBytes in all).
inline constexpr size_t kMaxPollIdBytes = 256;
// Longest option key, in bytes.
inline constexpr size_t kMaxPollOptionKeyBytes = 128;
// Most options of one poll, and most rules.
inline constexpr size_t kMaxPollOptions = 64;
inline constexpr size_t kMaxPollRules = 64;
// Longest question and option label, in bytes.
inline constexpr size_t kMaxPollTextBytes = 4096;
// A rule's weights must sum to 1 within this tolerance.
inline constexpr double kPollRuleWeightTolerance = 0.001;

struct PollOption {
  // Unique within the poll; 1..kMaxPollOptionKeyBytes, no control characters.
  std::string key{};
  // What the front end shows; at most kMaxPollTextBytes. Default: "".
  std::string label{};

  friend bool operator==(const PollOption&, const PollOption&) = default;
};

// When `option` leads every other option by at least `lead_points`
// percentage points of the total, once the poll has at least `min_votes`
// votes, set campaign `campaign`'s variant weights to `weights`. Fired once.
struct PollRule {
  // Unique within the poll; a valid record id.
  std::string id{};
  // The key of one of the poll's options.
  std::string option{};
  // Percentage points in [0, 100]: share(option) - share(best other) >= it.
  // Default: 0.
  double lead_points = 0;
  // Votes the poll needs before the rule is considered; >= 1. Default: 1.
  int64_t min_votes = 1;
  // The campaign id whose weights change.
  std::string campaign{};
  // The new variant weights, in the campaign's variant order; each >= 0,
  // summing to 1 within kPollRuleWeightTolerance.
  std::vector<double> weights{};
  // When the rule fired; absent until then.
  std::optional<absl::Time> fired_at{};

  friend bool operator==(const PollRule&, const PollRule&) = default;
};

struct Poll {
  // The record id (see the file comment for the rules).
  std::string id{};
  // 1..kMaxPollTextBytes bytes.
  std::string question{};
  // 2..kMaxPollOptions options with distinct keys.
  std::vector<PollOption> options{};
  // Votes are accepted from opens_at (inclusive) until closes_at
  // (exclusive). Default: none (open from creation, never closes).
  std::optional<absl::Time> opens_at{};
  std::optional<absl::Time> closes_at{};
  // A GrowthBook condition object the voter's attributes must match.
  // Default: none (everyone may vote).
  std::optional<Value> targeting{};
  // Whether a user may change their vote. Default: false.
  bool allow_vote_change = false;
  // Default: none.
  std::vector<PollRule> rules{};
  // The record version this was read at; 0 for a poll not yet stored.
  uint64_t version = 0;

  friend bool operator==(const Poll&, const Poll&) = default;
};

// Checks a poll id (see the file comment).
// Errors: InvalidArgument naming what is wrong.
[[nodiscard]] MARQUEE_EXPORT absl::Status ValidatePollId(std::string_view id);

// Checks every rule of the model, naming the field of the first violation:
//   id, question (empty, too long), options (fewer than 2, more than
//   kMaxPollOptions), options[i].key (invalid, duplicate), options[i].label
//   (too long), closesAt (not after opensAt), targeting.condition (not an
//   object or does not compile), rules[i].id (invalid, duplicate),
//   rules[i].option (not an option key), rules[i].leadPoints (outside
//   [0, 100]), rules[i].minVotes (< 1), rules[i].campaign (not a valid id),
//   rules[i].weights (empty, an entry negative or not finite, sum not 1).
// Errors: InvalidArgument with a message "<field>: <what is wrong>".
[[nodiscard]] MARQUEE_EXPORT absl::Status ValidatePoll(const Poll& poll);

// The poll stored as `body` under `id` (layout in the file comment),
// validated by ValidatePoll. version is left 0.
// Errors: InvalidArgument naming the field (wrong type, missing or unknown
// member, malformed instant, and ValidatePoll's).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Poll> PollFromJson(std::string_view id,
                                                               const Json& body);

// The record body of `poll` (its id and version are not part of it). Does
// not validate: callers validate first.
// Errors: InvalidArgument (a string that is not valid UTF-8, a number that
// is not finite).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Json> PollToJson(const Poll& poll);

// Whether votes are accepted at `now` (opens_at <= now < closes_at).
MARQUEE_EXPORT bool IsPollOpen(const Poll& poll, absl::Time now);

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_POLL_H_
