// Webhook events derived from store changes (webhook_internal.h).
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "campaign/poll_internal.h"
#include "campaign/webhook_internal.h"
#include "internal/absl_strings.h"
#include "internal/hmac_sha256.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/value.h"
#include "marquee/status.h"

namespace marquee::campaign::internal {
namespace {

using ::marquee::internal::Sv;

// Record ids up to this long go into event ids as they are.
constexpr size_t kMaxPlainSubjectBytes = 200;

absl::StatusOr<WebhookEvent> MakeEvent(std::string id, std::string kind, Value data,
                                       absl::Time now) {
  std::vector<Value::Member> m;
  m.emplace_back("id", Value::String(id));
  m.emplace_back("type", Value::String(kind));
  m.emplace_back("createdAt", Value::String(FormatInstant(now)));
  m.emplace_back("data", std::move(data));
  MARQUEE_ASSIGN_OR_RETURN(Json body, Value::Object(std::move(m)).ToJson());
  return WebhookEvent{.id = std::move(id), .kind = std::move(kind), .body = std::string(body.text())};
}

// The singular noun of a collection that has change events.
std::optional<std::string_view> Noun(std::string_view collection) {
  if (collection == kCampaignsCollection) return "campaign";
  if (collection == kSegmentsCollection) return "segment";
  if (collection == kPollsCollection) return "poll";
  return std::nullopt;
}

// The summed counters of every tally record of a poll.
absl::StatusOr<TallyCounts> SumTally(const Store& store, std::string_view poll_id) {
  TallyCounts sum;
  auto add = [&](const Record& r) -> absl::Status {
    MARQUEE_ASSIGN_OR_RETURN(TallyCounts c, TallyFromRecord(r));
    for (const auto& [option, n] : c.counts) sum.counts[option] += n;
    sum.total += c.total;
    return absl::OkStatus();
  };
  absl::StatusOr<Record> whole = store.Get(kPollTalliesCollection, poll_id);
  if (whole.ok()) {
    MARQUEE_RETURN_IF_ERROR(add(*whole));
  } else if (!absl::IsNotFound(whole.status())) {
    return whole.status();
  }
  // Shards are "<poll>#<n>": the ids in ["<poll>#", "<poll>$").
  ScanRequest shards{.collection = std::string(kPollTalliesCollection),
                     .lower = RangeBound{.value = IndexValue::String(absl::StrCat(Sv(poll_id), "#"))},
                     .upper = RangeBound{.value = IndexValue::String(absl::StrCat(Sv(poll_id), "$")),
                                         .inclusive = false},
                     .limit = 1000};
  while (true) {
    MARQUEE_ASSIGN_OR_RETURN(ScanResult page, store.Scan(shards));
    for (const Record& r : page.records) MARQUEE_RETURN_IF_ERROR(add(r));
    if (!page.more || !page.end) break;
    shards.after = page.end;
  }
  return sum;
}

}  // namespace

std::string EventSubject(std::string_view record_id) {
  if (record_id.size() <= kMaxPlainSubjectBytes) return std::string(record_id);
  absl::StatusOr<marquee::internal::Sha256Digest> digest = marquee::internal::Sha256(record_id);
  if (!digest.ok()) return std::string(record_id.substr(0, kMaxPlainSubjectBytes));
  return absl::StrCat("h", absl::BytesToHexString(absl::string_view(
                               reinterpret_cast<const char*>(digest->data()), 16)));
}

absl::StatusOr<std::optional<WebhookEvent>> RecordChangeEvent(const Change& change,
                                                              absl::Time now) {
  const std::optional<std::string_view> noun = Noun(change.collection);
  if (!noun) return std::nullopt;
  const bool erased = change.kind == Change::Kind::kErase;
  std::string kind = absl::StrCat(Sv(*noun), erased ? ".deleted" : ".changed");
  std::vector<Value::Member> data;
  data.emplace_back("id", Value::String(change.id));
  data.emplace_back("version", Value::Number(static_cast<double>(change.version)));
  if (!erased) {
    MARQUEE_ASSIGN_OR_RETURN(Value body, Value::FromJson(change.record.body));
    data.emplace_back("body", std::move(body));
  }
  std::string id = absl::StrCat(kind, "/", EventSubject(change.id), "/", change.version);
  MARQUEE_ASSIGN_OR_RETURN(WebhookEvent event,
                           MakeEvent(std::move(id), std::move(kind),
                                     Value::Object(std::move(data)), now));
  return event;
}

absl::StatusOr<WebhookEvent> PollClosedEvent(const Store& store, std::string_view poll_id,
                                             absl::Time closes_at, absl::Time now) {
  MARQUEE_ASSIGN_OR_RETURN(TallyCounts tally, SumTally(store, poll_id));
  std::vector<Value::Member> counts;
  for (const auto& [option, n] : tally.counts) {
    counts.emplace_back(option, Value::Number(static_cast<double>(n)));
  }
  std::vector<Value::Member> data;
  data.emplace_back("poll", Value::String(std::string(poll_id)));
  data.emplace_back("closesAt", Value::String(FormatInstant(closes_at)));
  data.emplace_back("tally", Value::Object({{"counts", Value::Object(std::move(counts))},
                                            {"total", Value::Number(static_cast<double>(tally.total))}}));
  std::string id = absl::StrCat("poll.closed/", EventSubject(poll_id), "/",
                                absl::ToUnixMicros(closes_at));
  return MakeEvent(std::move(id), "poll.closed", Value::Object(std::move(data)), now);
}

absl::StatusOr<WebhookEvent> PollMilestoneEvent(std::string_view poll_id, int64_t milestone,
                                                int64_t total, absl::Time now) {
  std::vector<Value::Member> data;
  data.emplace_back("poll", Value::String(std::string(poll_id)));
  data.emplace_back("milestone", Value::Number(static_cast<double>(milestone)));
  data.emplace_back("total", Value::Number(static_cast<double>(total)));
  std::string id = absl::StrCat("poll.milestone/", EventSubject(poll_id), "/", milestone);
  return MakeEvent(std::move(id), "poll.milestone", Value::Object(std::move(data)), now);
}

absl::StatusOr<int64_t> PollVoteTotal(const Store& store, std::string_view poll_id) {
  MARQUEE_ASSIGN_OR_RETURN(TallyCounts tally, SumTally(store, poll_id));
  return tally.total;
}

std::vector<int64_t> MilestonesCrossed(const std::vector<int64_t>& milestones,
                                       std::optional<int64_t> previous, int64_t total) {
  std::vector<int64_t> crossed;
  for (int64_t m : milestones) {
    if (m <= total && (!previous || *previous < m)) crossed.push_back(m);
  }
  if (!previous && crossed.size() > 1) crossed.erase(crossed.begin(), crossed.end() - 1);
  return crossed;
}

}  // namespace marquee::campaign::internal
