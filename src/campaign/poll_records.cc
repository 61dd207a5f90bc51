// Record layouts of the poll service (poll_internal.h).
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "campaign/poll_internal.h"
#include "internal/absl_strings.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/value.h"
#include "marquee/status.h"

namespace marquee::campaign::internal {
namespace {

using ::marquee::internal::Sv;

absl::Status Corrupt(const Record& r, absl::string_view what) {
  return absl::DataLossError(absl::StrCat(r.collection, "/", r.id, ": ", what));
}

absl::StatusOr<std::string> Quoted(std::string_view s) {
  MARQUEE_ASSIGN_OR_RETURN(Json j, Json::FromString(s));
  return std::string(j.text());
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Counters are JSON integers; anything else is a corrupt record.
bool ReadCounter(const Value& v, int64_t& out) {
  if (!v.is_number()) return false;
  const double d = v.as_number();
  if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9e15) return false;
  out = static_cast<int64_t>(d);
  return true;
}

}  // namespace

absl::StatusOr<absl::Time> ParseInstant(std::string_view text) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, Sv(text), &t, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not an RFC 3339 instant such as \"2026-03-01T09:00:00Z\" (", error, ")"));
  }
  return t;
}

std::string FormatInstant(absl::Time t) {
  // "Z" rather than "+00:00": the form the other records use.
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

std::string VoteId(std::string_view poll, std::string_view user) {
  return absl::StrCat(Sv(poll), "/", Sv(user));
}

std::string TallyShardId(std::string_view poll, int shard, int shards) {
  if (shards <= 1) return std::string(poll);
  return absl::StrCat(Sv(poll), "#", shard);
}

std::string TallyShardId(std::string_view poll, std::string_view user, int shards) {
  if (shards <= 1) return std::string(poll);
  return TallyShardId(poll, static_cast<int>(Fnv1a(user) % static_cast<uint64_t>(shards)), shards);
}

std::string_view PollOfTallyId(std::string_view tally_id) {
  return tally_id.substr(0, tally_id.find('#'));
}

absl::StatusOr<Json> VoteBody(const PollVote& vote) {
  MARQUEE_ASSIGN_OR_RETURN(std::string poll, Quoted(vote.poll));
  MARQUEE_ASSIGN_OR_RETURN(std::string user, Quoted(vote.user));
  MARQUEE_ASSIGN_OR_RETURN(std::string option, Quoted(vote.option));
  return Json::Parse(absl::StrCat("{\"poll\":", poll, ",\"user\":", user, ",\"option\":", option,
                                  ",\"at\":\"", FormatInstant(vote.at), "\"}"));
}

absl::StatusOr<PollVote> VoteFromRecord(const Record& record) {
  absl::StatusOr<Value> v = Value::FromJson(record.body);
  if (!v.ok()) return Corrupt(record, v.status().message());
  const Value* poll = v->Find("poll");
  const Value* user = v->Find("user");
  const Value* option = v->Find("option");
  const Value* at = v->Find("at");
  if (poll == nullptr || !poll->is_string() || user == nullptr || !user->is_string() ||
      option == nullptr || !option->is_string() || at == nullptr || !at->is_string()) {
    return Corrupt(record, "a vote needs the strings poll, user, option and at");
  }
  absl::StatusOr<absl::Time> t = ParseInstant(at->as_string());
  if (!t.ok()) return Corrupt(record, absl::StrCat("at: ", t.status().message()));
  return PollVote{.poll = std::string(poll->as_string()),
                  .user = std::string(user->as_string()),
                  .option = std::string(option->as_string()),
                  .at = *t,
                  .version = record.version};
}

absl::StatusOr<Json> TallyBody(std::string_view poll, const TallyCounts& counts) {
  MARQUEE_ASSIGN_OR_RETURN(std::string quoted_poll, Quoted(poll));
  std::string text = absl::StrCat("{\"poll\":", quoted_poll, ",\"counts\":{");
  bool first = true;
  for (const auto& [option, n] : counts.counts) {
    MARQUEE_ASSIGN_OR_RETURN(std::string key, Quoted(option));
    absl::StrAppend(&text, first ? "" : ",", key, ":", n);
    first = false;
  }
  absl::StrAppend(&text, "},\"total\":", counts.total, "}");
  return Json::Parse(text);
}

absl::StatusOr<TallyCounts> TallyFromRecord(const Record& record) {
  absl::StatusOr<Value> v = Value::FromJson(record.body);
  if (!v.ok()) return Corrupt(record, v.status().message());
  TallyCounts out;
  const Value* counts = v->Find("counts");
  if (counts != nullptr) {
    if (!counts->is_object()) return Corrupt(record, "counts: not an object");
    for (const Value::Member& m : counts->members()) {
      int64_t n = 0;
      if (!ReadCounter(m.second, n)) {
        return Corrupt(record, absl::StrCat("counts.", m.first, ": not an integer"));
      }
      out.counts[m.first] = n;
    }
  }
  const Value* total = v->Find("total");
  if (total != nullptr && !ReadCounter(*total, out.total)) {
    return Corrupt(record, "total: not an integer");
  }
  return out;
}

absl::StatusOr<PollTally> ReadTally(const Store& store, const Poll& poll) {
  PollTally tally{.poll = poll.id};
  for (const PollOption& o : poll.options) tally.counts[o.key] = 0;
  auto add = [&tally](const Record& r) -> absl::Status {
    MARQUEE_ASSIGN_OR_RETURN(TallyCounts c, TallyFromRecord(r));
    for (const auto& [option, n] : c.counts) tally.counts[option] += n;
    tally.total += c.total;
    tally.version = std::max(tally.version, r.version);
    return absl::OkStatus();
  };
  absl::StatusOr<Record> whole = store.Get(kPollTalliesCollection, poll.id);
  if (whole.ok()) {
    MARQUEE_RETURN_IF_ERROR(add(*whole));
  } else if (!absl::IsNotFound(whole.status())) {
    return whole.status();
  }
  // Shards "<poll>#<n>" sort between "<poll>#" and "<poll>$" in id order.
  ScanRequest request{
      .collection = std::string(kPollTalliesCollection),
      .lower = RangeBound{.value = IndexValue::String(absl::StrCat(poll.id, "#"))},
      .upper = RangeBound{.value = IndexValue::String(absl::StrCat(poll.id, "$")),
                          .inclusive = false},
      .limit = 1000};
  for (;;) {
    MARQUEE_ASSIGN_OR_RETURN(ScanResult page, store.Scan(request));
    for (const Record& r : page.records) MARQUEE_RETURN_IF_ERROR(add(r));
    if (!page.more || !page.end) break;
    request.after = page.end;
  }
  return tally;
}

}  // namespace marquee::campaign::internal
