// marquee/campaign/aggregate_store.h — where pre-computed event aggregates live.
//
// An EventIngestor (events.h) adds counts to aggregates and Stats
// (event_stats.h) reads them; both go through an AggregateStore, so the
// aggregates can live in the records of a generic Store (the default,
// OpenStoreAggregateStore below: "event_aggregates" records updated by
// compare-and-set) or in a backend's own tables (PostgreSQL: partitioned
// tables updated by additive upserts, marquee/postgres/postgres_aggregate_store.h).
// An aggregate is the count and value sum of one campaign x variant x event
// type x bucket (size and start).
// Thread-safety: implementations are thread-safe; several stores (processes)
// may add to the same aggregates at once and the sums stay exact.
//
//   auto aggregates = marquee::campaign::OpenStoreAggregateStore(store.get());
//   absl::StatusOr<marquee::campaign::AggregateAddResult> added =
//       (*aggregates)->Add(deltas);
//   auto rows = (*aggregates)->Read("spring", Bucket::kHour, from, to);
#ifndef MARQUEE_CAMPAIGN_AGGREGATE_STORE_H_
#define MARQUEE_CAMPAIGN_AGGREGATE_STORE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/campaign/events.h"
#include "marquee/export.h"
#include "marquee/store.h"

namespace marquee::campaign {

// Count and value sum of one event type.
struct EventTotals {
  int64_t count = 0;
  double value_sum = 0;

  friend bool operator==(const EventTotals&, const EventTotals&) = default;
};

// One aggregate: campaign x variant x type x bucket size x bucket start.
struct AggregateKey {
  std::string campaign{};
  std::string variant{};
  // Default: kImpression.
  EventType type = EventType::kImpression;
  // Default: kMinute.
  Bucket bucket = Bucket::kMinute;
  // Unix seconds of the bucket's start (a multiple of BucketSeconds(bucket)).
  int64_t start = 0;

  friend bool operator==(const AggregateKey&, const AggregateKey&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const AggregateKey& k) {
    return H::combine(std::move(h), k.campaign, k.variant, k.type, k.bucket, k.start);
  }
};

// Counts to add to one aggregate, or the counts one holds.
struct AggregateRow {
  AggregateKey key{};
  EventTotals totals{};
};

struct AggregateAddResult {
  // Optimistic-concurrency retries the call needed (compare-and-set lost to
  // another writer); 0 for stores that add without them.
  uint64_t conflicts = 0;
};

class MARQUEE_EXPORT AggregateStore {
 public:
  virtual ~AggregateStore() = default;

  // Adds every row's totals to its aggregate (created at zero when absent),
  // all or nothing. Rows with the same key add up. An empty span is OK.
  // REQUIRES: names passed ValidateEvent; start is its bucket's start.
  // Errors: Unavailable (backend down; nothing added), Aborted (lost to
  // concurrent writers too often; nothing added, retry), DataLoss (a
  // stored aggregate is malformed), InvalidArgument (a row the store
  // cannot take, naming it), Internal.
  [[nodiscard]] virtual absl::StatusOr<AggregateAddResult> Add(
      std::span<const AggregateRow> rows) = 0;

  // The aggregates of `campaign` in `bucket` buckets whose start lies in
  // [from, to), in no particular order; several rows may share a key (the
  // reader adds them up). REQUIRES: from < to, both finite.
  // Errors: FailedPrecondition (the store is not set up for reads, saying
  // how), DataLoss (a malformed aggregate, naming it), Unavailable,
  // Internal.
  [[nodiscard]] virtual absl::StatusOr<std::vector<AggregateRow>> Read(
      std::string_view campaign, Bucket bucket, absl::Time from, absl::Time to) const = 0;

  // Whether Add expects rows of this bucket size. An ingestor sends only
  // those; a store that answers false derives that size from minute rows
  // itself. Default: every size.
  virtual bool TakesBucket(Bucket bucket) const {
    (void)bucket;
    return true;
  }
};

struct StoreAggregateStoreOptions {
  // Attempts of one Add whose compare-and-set lost to another writer before
  // it gives up with Aborted. 1..1,000. Default: 32.
  int max_write_attempts = 32;
};

// The aggregates as "event_aggregates" records of `store` (layout in
// events.h), added to by compare-and-set read-modify-write in one atomic
// Store::Write per Add and read through the by_campaign index (declared by
// PrepareCampaignStore, collections.h). `store` is not owned and must
// outlive the result.
// Errors: InvalidArgument (null store, an option out of range, naming it).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<std::unique_ptr<AggregateStore>>
OpenStoreAggregateStore(Store* store, StoreAggregateStoreOptions options = {});

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_AGGREGATE_STORE_H_
