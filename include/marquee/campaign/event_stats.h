// marquee/campaign/event_stats.h — a campaign's results from its pre-computed aggregates.
//
// Stats reads the aggregates an EventIngestor (events.h) wrote for one
// campaign and one bucket size over a time range: from an AggregateStore
// (aggregate_store.h), or from the "event_aggregates" records of a Store
// through the "by_campaign" index (declared by PrepareCampaignStore,
// collections.h); it never sees raw events, so its cost depends on the number of buckets, not
// of events. For each variant it gives totals per event type, a time series,
// the conversion rate (conversions / impressions) and a two-proportion
// z-test against the control variant:
//   p_v = conversions_v / impressions_v, p_c likewise for the control,
//   p = (conversions_v + conversions_c) / (impressions_v + impressions_c),
//   se = sqrt(p (1 - p) (1 / impressions_v + 1 / impressions_c)),
//   z = (p_v - p_c) / se, two-sided p-value = erfc(|z| / sqrt 2).
// A positive z means the variant converts better than the control.
// The range is [from, to): `from` is rounded down to its bucket's start, and
// a bucket is included when its start is before `to`.
// Thread-safety: pure function over a thread-safe Store; results are values.
//
//   auto stats = marquee::campaign::Stats(*store, "spring", from, to,
//                                         marquee::campaign::Bucket::kHour,
//                                         {.control_variant = "a"});
//   for (const auto& v : stats->variants)
//     if (v.test) std::cout << v.variant << " z=" << v.test->z << " p=" << v.test->p_value;
#ifndef MARQUEE_CAMPAIGN_EVENT_STATS_H_
#define MARQUEE_CAMPAIGN_EVENT_STATS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/campaign/aggregate_store.h"
#include "marquee/campaign/events.h"
#include "marquee/export.h"
#include "marquee/store.h"

namespace marquee::campaign {

// Totals indexed by static_cast<size_t>(EventType).
using EventTotalsByType = std::array<EventTotals, kEventTypeCount>;

// One bucket of a variant's series.
struct StatsPoint {
  absl::Time start = absl::UnixEpoch();
  EventTotalsByType totals{};
};

// The two-proportion z-test of a variant against the control.
struct ZTest {
  double z = 0;
  double p_value = 1;         // two-sided
  double pooled_rate = 0;     // p above
  double standard_error = 0;  // se above
};

struct VariantStats {
  std::string variant{};
  EventTotalsByType totals{};
  // Buckets with at least one event, in time order.
  std::vector<StatsPoint> series{};
  // conversions / impressions; absent without impressions.
  std::optional<double> conversion_rate{};
  // Absent for the control itself and when no test is possible;
  // `no_test_reason` then says why ("control", "no impressions for the
  // variant", "pooled conversion rate is 0", ...).
  std::optional<ZTest> test{};
  std::string no_test_reason{};
};

struct CampaignStats {
  std::string campaign{};
  Bucket bucket = Bucket::kHour;
  // The range read: from rounded down to its bucket, to as given.
  absl::Time from = absl::UnixEpoch();
  absl::Time to = absl::UnixEpoch();
  // The control the tests compare with; empty when there is none.
  std::string control_variant{};
  // Variants with at least one event in the range, by key.
  std::vector<VariantStats> variants{};
  // Aggregate rows read (records of a Store; rows of another
  // AggregateStore, where a bucket may come in more than one row).
  size_t records_read = 0;
};

struct StatsOptions {
  // The variant the others are tested against. Empty: "control" if that
  // variant has events in the range, else no tests (every variant's
  // no_test_reason says so). Default: "".
  std::string control_variant{};
  // Most buckets the range may span (from's bucket to to's). 1..1,000,000.
  // Default: 10,000.
  size_t max_buckets = 10'000;
};

// The statistics of `campaign` over [from, to) in `bucket` buckets.
// Errors: InvalidArgument (a bad campaign name, from or to infinite,
// to <= from, a range of more than max_buckets buckets, a bad option),
// FailedPrecondition (the store lacks the by_campaign index: call
// PrepareCampaignStore), DataLoss (an aggregate record that does not have
// the documented layout, naming its id), those of Store::Scan.
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<CampaignStats> Stats(
    const Store& store, std::string_view campaign, absl::Time from, absl::Time to,
    Bucket bucket, const StatsOptions& options = {});

// The same, read from `aggregates`.
// Errors: InvalidArgument as above, those of AggregateStore::Read.
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<CampaignStats> Stats(
    const AggregateStore& aggregates, std::string_view campaign, absl::Time from, absl::Time to,
    Bucket bucket, const StatsOptions& options = {});

// The z-test of `variant` against `control` from their (conversions,
// impressions); nullopt with `*why` set when it is undefined (an empty
// side, more conversions than impressions, a pooled rate of 0 or 1).
MARQUEE_EXPORT std::optional<ZTest> TwoProportionZTest(int64_t variant_conversions,
                                                      int64_t variant_impressions,
                                                      int64_t control_conversions,
                                                      int64_t control_impressions,
                                                      std::string* why);

}  // namespace marquee::campaign

#endif  // MARQUEE_CAMPAIGN_EVENT_STATS_H_
