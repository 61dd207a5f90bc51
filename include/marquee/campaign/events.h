// marquee/campaign/events.h — campaign events rolled into pre-computed aggregates.
//
// Front-ends report what users saw and did (impressions, clicks, conversions,
// custom events) for a campaign's variant. Raw events are never stored: an
// EventIngestor validates each batch, queues it in memory (bounded: a full
// queue refuses the batch with ResourceExhausted, nothing is silently
// dropped) and a background thread rolls the queue into counters per
// campaign x variant x type x time bucket (UTC minute, hour and day), then
// adds them to an AggregateStore (aggregate_store.h): by default the
// "event_aggregates" records of a Store, by compare-and-set
// read-modify-write, so several ingestors (threads or processes) writing to
// one store add up exactly; or a backend's own tables (PostgreSQL's
// partitioned tables, options.aggregates). Stats (event_stats.h) reads the
// aggregates only.
//
// Decisions:
//   - Custom events are aggregated under the one type "custom"; they carry
//     no name, so the number of aggregate records stays bounded by campaigns
//     x variants x 4 types x buckets.
//   - An event's time must lie within [now - max_event_age, now + max_event_lead]
//     of the ingestor's clock (default 30 days back, 1 day ahead), so a
//     client with a broken clock cannot create buckets decades away.
//   - Campaign and variant names become part of record ids: 1..128 bytes of
//     UTF-8 without control characters or '|'. The user id is checked
//     (at most 512 bytes, no control characters) but stored nowhere: the
//     aggregates carry no user id, so GDPR erasure leaves them as they are.
//   - JSON events give their time as an RFC 3339 string with an offset
//     ("2026-03-01T09:00:00Z"), the format every other record uses.
// Record layout: event_aggregates/<campaign>|<variant>|<type>|<bucket>|<start>
// where <bucket> is minute, hour or day and <start> the bucket's start in
// unix seconds; body {"campaign","variant","type","bucket","start","count",
// "valueSum"}.
// Thread-safety: EventIngestor's methods may be called concurrently; the
// free functions are pure.
//
//   auto ingestor = marquee::campaign::EventIngestor::Open(store.get(), {});
//   if (!ingestor.ok()) return ingestor.status();
//   std::vector<marquee::campaign::Event> batch = {
//       {.type = EventType::kImpression, .campaign = "spring", .variant = "b",
//        .user = "u42", .time = absl::Now()}};
//   absl::Status s = (*ingestor)->Ingest(batch);  // ResourceExhausted: retry later
//   MARQUEE_RETURN_IF_ERROR((*ingestor)->Flush());  // written to the store
#ifndef MARQUEE_CAMPAIGN_EVENTS_H_
#define MARQUEE_CAMPAIGN_EVENTS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/clock.h"
#include "marquee/export.h"
#include "marquee/json.h"
#include "marquee/store.h"

namespace marquee::campaign {

class AggregateStore;  // aggregate_store.h

enum class EventType : uint8_t { kImpression, kClick, kConversion, kCustom };
inline constexpr size_t kEventTypeCount = 4;

// "impression", "click", "conversion", "custom".
MARQUEE_EXPORT std::string_view EventTypeName(EventType type);
// The type of a name above. Errors: InvalidArgument (unknown name).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<EventType> ParseEventType(std::string_view name);

// Aggregation bucket sizes; buckets start on UTC boundaries (a day bucket at
// 00:00:00 UTC).
enum class Bucket : uint8_t { kMinute, kHour, kDay };
inline constexpr size_t kBucketCount = 3;

// "minute", "hour", "day".
MARQUEE_EXPORT std::string_view BucketName(Bucket bucket);
// Errors: InvalidArgument (unknown name).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Bucket> ParseBucket(std::string_view name);
// 60, 3600 or 86400 seconds.
MARQUEE_EXPORT int64_t BucketSeconds(Bucket bucket);
// The start of the bucket holding `t`. REQUIRES: t is finite.
MARQUEE_EXPORT absl::Time BucketStart(absl::Time t, Bucket bucket);

// Longest campaign and variant name, in bytes.
inline constexpr size_t kMaxEventNameBytes = 128;
// Longest user id, in bytes.
inline constexpr size_t kMaxEventUserBytes = 512;

struct Event {
  // Default: kImpression.
  EventType type = EventType::kImpression;
  // The campaign and variant keys (1..kMaxEventNameBytes, no '|', no control
  // characters).
  std::string campaign{};
  std::string variant{};
  // Who did it; may be empty (anonymous). Checked, never stored.
  std::string user{};
  // When it happened. Default: the Unix epoch (too old for the default
  // horizon: set it).
  absl::Time time = absl::UnixEpoch();
  // Summed per bucket (revenue of a conversion, say); must be finite.
  // Default: 0.
  double value = 0;
};

// Reads one event object {"type": "click", "campaign": "spring", "variant":
// "b", "user": "u42", "time": "2026-03-01T09:00:00Z", "value": 12.5};
// "user" and "value" are optional, other members are ignored. Checks the
// fields as ValidateEvent does, except the time horizon (the ingestor's).
// Errors: InvalidArgument naming the field ("time: not an RFC 3339 time").
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<Event> EventFromJson(const Json& event);

// Reads an array of event objects. Errors: InvalidArgument naming the index
// and field ("[3].campaign: missing"), also for a non-array or more than
// `max_events` elements.
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<std::vector<Event>> EventsFromJson(
    const Json& events, size_t max_events = 100'000);

// Checks the names, the user id, that `value` is finite and `time` finite.
// Errors: InvalidArgument naming the field ("variant: contains '|'").
[[nodiscard]] MARQUEE_EXPORT absl::Status ValidateEvent(const Event& event);

struct EventIngestorOptions {
  // Source of "now" for the time horizon below. Not owned; must outlive the
  // ingestor. The flush cadence uses the steady clock, not this one.
  // Default: nullptr, Clock::Real().
  Clock* clock = nullptr;
  // Events accepted but not yet written to the store (queued or being
  // written) at most; Ingest refuses a batch that would exceed it. Bounds
  // the ingestor's memory. 1..100,000,000. Default: 1,000,000.
  size_t queue_capacity = 1'000'000;
  // How often the background thread writes what is queued; it also starts
  // early once half the capacity is queued, and at once on Flush.
  // 1 ms..1 hour. Default: 100 ms.
  absl::Duration flush_interval = absl::Milliseconds(100);
  // Most aggregates in one AggregateStore::Add (one atomic write).
  // 1..10,000. Default: 1,000.
  size_t max_records_per_write = 1'000;
  // Attempts of one write whose compare-and-set lost to another writer
  // before the ingestor gives up for this round (the counts stay queued and
  // are tried again on the next round); used by the default aggregates (the
  // Store's records) only. 1..1,000. Default: 32.
  int max_write_attempts = 32;
  // Where the aggregates go. Not owned; must outlive the ingestor.
  // Default: nullptr, the "event_aggregates" records of the store given to
  // Open (OpenStoreAggregateStore).
  AggregateStore* aggregates = nullptr;
  // Oldest and furthest-ahead accepted event time, relative to clock->Now().
  // Each must be positive. Default: 30 days and 1 day.
  absl::Duration max_event_age = absl::Hours(24 * 30);
  absl::Duration max_event_lead = absl::Hours(24);
};

struct EventIngestorStats {
  uint64_t accepted_events = 0;        // events of accepted batches
  uint64_t written_events = 0;         // of those, in the store
  uint64_t pending_events = 0;         // accepted, not written yet (<= capacity)
  uint64_t rejected_full_batches = 0;  // Ingest calls refused with ResourceExhausted
  uint64_t rejected_full_events = 0;   // events in those batches
  uint64_t records_written = 0;        // aggregates added to
  uint64_t write_conflicts = 0;        // compare-and-set retries (Store records only)
  uint64_t write_failures = 0;         // rounds that left counts unwritten
  absl::Status last_error{};           // of the last failed round; OK if none
};

// Queues events and writes their aggregates in the background.
// Thread-safety: Ingest, Flush and stats may be called concurrently.
class MARQUEE_EXPORT EventIngestor {
 public:
  // Starts the background thread. `store` is not owned and must outlive the
  // ingestor; it may be null when options.aggregates is set (it is then
  // not used).
  // Errors: InvalidArgument (null store without options.aggregates, an
  // option out of range, naming it).
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<EventIngestor>> Open(
      Store* store, EventIngestorOptions options = {});

  // Writes everything accepted (as Flush does), then stops the thread.
  // Counts that cannot be written then are lost: call Flush first to see
  // the error.
  ~EventIngestor();

  EventIngestor(const EventIngestor&) = delete;
  EventIngestor& operator=(const EventIngestor&) = delete;

  // Validates every event, then queues all of them or none. An empty batch
  // is OK and does nothing.
  // Errors: InvalidArgument (an invalid event, naming its index and field:
  // "events[3].time: 2 days in the future, more than max_event_lead 1d";
  // nothing queued), ResourceExhausted (the queue cannot take the whole
  // batch: "event queue full: N pending, capacity C"; nothing queued, retry
  // later), FailedPrecondition (the ingestor is shutting down).
  [[nodiscard]] absl::Status Ingest(std::span<const Event> batch);

  // Waits until every event accepted before the call is written to the
  // store.
  // Errors: those of AggregateStore::Add (by default Store::Write and
  // Store::Get) from the first round started after the call that failed to
  // write them (the counts stay queued, count against the capacity and are
  // retried every flush_interval), Aborted (the compare-and-set lost
  // max_write_attempts times in a row), DataLoss (an existing aggregate
  // record is malformed, naming its id).
  [[nodiscard]] absl::Status Flush();

  EventIngestorStats stats() const;

 private:
  struct Impl;
  explicit EventIngestor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_EVENTS_H_
