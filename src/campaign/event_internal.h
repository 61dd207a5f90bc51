// The aggregate record of one campaign x variant x type x bucket: its
// record id and body, shared by the Store-records AggregateStore (which
// adds to and reads it) and Stats on a Store.
#ifndef MARQUEE_SRC_CAMPAIGN_EVENT_INTERNAL_H_
#define MARQUEE_SRC_CAMPAIGN_EVENT_INTERNAL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/campaign/aggregate_store.h"
#include "marquee/campaign/event_stats.h"
#include "marquee/campaign/events.h"
#include "marquee/json.h"
#include "marquee/store.h"

namespace marquee::campaign::internal {

using ::marquee::campaign::AggregateKey;

// "<campaign>|<variant>|<type>|<bucket>|<start>"; a valid record id when
// the names passed ValidateEvent.
std::string AggregateRecordId(const AggregateKey& key);

// The documented body with `totals` as count and valueSum.
// Errors: InvalidArgument (a non-finite sum).
absl::StatusOr<Json> AggregateBody(const AggregateKey& key, const EventTotals& totals);

// A decoded aggregate body.
using AggregateRecord = AggregateRow;

// Reads a body written by AggregateBody. Errors: DataLoss naming `id` and
// the field that is missing or of the wrong type.
absl::StatusOr<AggregateRecord> ParseAggregateBody(std::string_view id, const Json& body);

// Counts to add, by record.
using AggregateDeltas = absl::flat_hash_map<AggregateKey, EventTotals>;

// The "event_aggregates" records of `campaign` in `bucket` buckets whose
// start lies in [from, to), through the by_campaign index.
// Errors: FailedPrecondition (no by_campaign index), DataLoss (a malformed
// record, naming its id), those of Store::Scan.
absl::StatusOr<std::vector<AggregateRow>> ReadStoreAggregates(const Store& store,
                                                              std::string_view campaign,
                                                              Bucket bucket, absl::Time from,
                                                              absl::Time to);

// Checks a campaign or variant name (`field` names it in the message).
absl::Status ValidateEventName(std::string_view field, std::string_view name);

}  // namespace marquee::campaign::internal

#endif  // MARQUEE_SRC_CAMPAIGN_EVENT_INTERNAL_H_
