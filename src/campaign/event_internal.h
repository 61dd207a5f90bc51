// The aggregate record of one campaign x variant x type x bucket: its key,
// record id and body, shared by the ingestor (which adds to it) and Stats
// (which reads it).
#ifndef MARQUEE_SRC_CAMPAIGN_EVENT_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_EVENT_INTERNAL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "marquee/campaign/event_stats.h"
#include "marquee/campaign/events.h"
#include "marquee/json.h"
#include "marquee/store.h"

namespace marquee::campaign::internal {

struct AggregateKey {
  std::string campaign;
  std::string variant;
  EventType type = EventType::kImpression;
  Bucket bucket = Bucket::kMinute;
  int64_t start = 0;  // unix seconds of the bucket's start

  friend bool operator==(const AggregateKey&, const AggregateKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const AggregateKey& k) {
    return H::combine(std::move(h), k.campaign, k.variant, k.type, k.bucket, k.start);
  }
};

// "<campaign>|<variant>|<type>|<bucket>|<start>"; a valid record id when
// the names passed ValidateEvent.
std::string AggregateRecordId(const AggregateKey& key);

// The documented body with `totals` as count and valueSum.
// Errors: InvalidArgument (a non-finite sum).
absl::StatusOr<Json> AggregateBody(const AggregateKey& key, const EventTotals& totals);

// A decoded aggregate body.
struct AggregateRecord {
  AggregateKey key;
  EventTotals totals;
};

// Reads a body written by AggregateBody. Errors: DataLoss naming `id` and
// the field that is missing or of the wrong type.
absl::StatusOr<AggregateRecord> ParseAggregateBody(std::string_view id, const Json& body);

// Counts to add, by record.
using AggregateDeltas = absl::flat_hash_map<AggregateKey, EventTotals>;

struct AggregateWriteResult {
  uint64_t records_written = 0;
  uint64_t conflicts = 0;  // compare-and-set retries
  absl::Status status;     // of the first write that failed for good
};

// Adds each delta of `*deltas` to its record by read-modify-write with the
// record's version as the expected version, at most `max_records_per_write`
// records per atomic store write, retrying a write that lost a
// compare-and-set up to `max_attempts` times. The deltas written are removed
// from `*deltas`; those left failed (status says why) and may be retried.
AggregateWriteResult AddToAggregates(Store& store, AggregateDeltas* deltas,
                                     size_t max_records_per_write, int max_attempts);

// Checks a campaign or variant name (`field` names it in the message).
absl::Status ValidateEventName(std::string_view field, std::string_view name);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_EVENT_INTERNAL_H_
