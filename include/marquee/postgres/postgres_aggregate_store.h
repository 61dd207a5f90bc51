// marquee/postgres/postgres_aggregate_store.h — event aggregates in PostgreSQL tables.
//
// A campaign::AggregateStore (marquee/campaign/aggregate_store.h) for nodes
// that share a PostgreSQL database: instead of JSON records updated by
// compare-and-set, the aggregates are rows of one table partitioned by
// month of the bucket start, in the PostgresStore's schema:
//   event_aggregates (campaign, variant, type, bucket, start, count,
//                     value_sum), PRIMARY KEY (campaign, bucket, start,
//                     variant, type), PARTITION BY RANGE (start);
//   event_aggregates_pYYYY_MM   one partition per UTC month.
// Add is one additive upsert (INSERT ... ON CONFLICT DO UPDATE SET count =
// count + EXCLUDED.count, ...): exact when any number of nodes add at once,
// with no retries. Partitions are created ahead and on demand (under an
// advisory lock, so nodes do not race), and retention drops whole months
// (cheap: no DELETE, no vacuum). Reads name the time range, so PostgreSQL
// reads only the partitions that hold it.
// With RollupMode::kMaterialized the ingestor writes minute rows only;
// hour and day reads come from the materialized view event_rollups (minute
// rows rolled up, refreshed CONCURRENTLY every refresh_interval by one node
// at a time) for the minutes its last refresh covered, plus the minute rows
// after those rolled up live. docs/operations.md ("Event aggregates on
// PostgreSQL") says what operators see and how to choose.
// Thread-safety: every method may be called concurrently.
//
//   auto aggregates = marquee::postgres::OpenPostgresAggregateStore(
//       {.conninfo = "postgresql://marquee@db.internal/marquee", .schema = "shop"});
//   if (!aggregates.ok()) return aggregates.status();
//   auto ingestor = marquee::campaign::EventIngestor::Open(
//       nullptr, {.aggregates = aggregates->get()});
//   auto stats = marquee::campaign::Stats(**aggregates, "spring", from, to, Bucket::kDay);
#ifndef MARQUEE_POSTGRES_POSTGRES_AGGREGATE_STORE_H_
#define MARQUEE_POSTGRES_POSTGRES_AGGREGATE_STORE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/campaign/aggregate_store.h"
#include "marquee/clock.h"
#include "marquee/export.h"

namespace marquee::postgres {

// Where hour and day aggregates come from.
enum class RollupMode {
  // The ingestor adds minute, hour and day rows alike; reads of any size
  // read rows of that size. Three upserts per event minute, exact at once.
  kWritten,
  // The ingestor adds minute rows only; hour and day reads combine the
  // materialized view event_rollups with a live roll-up of the minute rows
  // its last refresh did not cover. A third of the writes; a minute row
  // added late (for a minute the last refresh already covered) shows in
  // hour and day reads after the next refresh.
  kMaterialized,
};

struct PostgresAggregateStoreOptions {
  // The database: a libpq connection URI or key=value string. Must not be
  // empty. Default: "".
  std::string conninfo{};
  // The PostgreSQL schema of the tables (the PostgresStore's, usually);
  // created if absent. Same rules as PostgresStoreOptions::schema.
  // Default: "marquee".
  std::string schema = "marquee";
  // Connections kept open, 1..64. They show in pg_stat_activity as
  // application_name "marquee/aggregates <schema>". Default: 2.
  int pool_size = 2;
  // As PostgresStoreOptions. Defaults: 5 s, 30 s, 10 s.
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration statement_timeout = absl::Seconds(30);
  absl::Duration acquire_timeout = absl::Seconds(10);
  // Every node of one schema must use the same mode; Open refuses another
  // (FailedPrecondition). Default: kWritten.
  RollupMode rollups = RollupMode::kWritten;
  // Months whose partitions exist ahead of the current one (created at
  // Open and by every maintenance round), 0..24. Add creates any other
  // month it needs on demand. Default: 2.
  int partitions_ahead = 2;
  // Whole months are dropped once their end is more than this before now;
  // at least 31 days (a month must be able to end first), or 0 to keep
  // everything. Keep it above the ingestor's max_event_age, or late events
  // recreate a dropped month until the next round. Default: 400 days.
  absl::Duration retention = absl::Hours(24 * 400);
  // How often this node runs a maintenance round (partitions ahead,
  // retention); 0: never (call Maintain). Default: 1 hour.
  absl::Duration maintenance_interval = absl::Hours(1);
  // kMaterialized only: how often this node tries to refresh event_rollups
  // (skipped while another node refreshes, or when one did within most of
  // this interval, so N nodes refresh about once per interval); 0: never
  // (call RefreshRollups). Bounds how late a late minute row shows in hour and
  // day reads. Default: 1 min.
  absl::Duration refresh_interval = absl::Minutes(1);
  // "now" for partitions, retention and what a refresh covers. Not owned;
  // must outlive the store. Default: nullptr, Clock::Real().
  Clock* clock = nullptr;
};

// What one maintenance round did.
struct AggregateMaintenance {
  int partitions_created = 0;
  int partitions_dropped = 0;
};

class MARQUEE_EXPORT PostgresAggregateStore : public campaign::AggregateStore {
 public:
  // Creates the partitions of this month and options.partitions_ahead
  // months ahead, and drops those past options.retention (then refreshes
  // event_rollups in kMaterialized mode, so hour and day reads of a
  // dropped month are empty too). Nodes doing it at once serialize on an
  // advisory lock.
  // Errors: Unavailable (database unreachable), Internal.
  [[nodiscard]] virtual absl::StatusOr<AggregateMaintenance> Maintain() = 0;

  // kMaterialized: rolls the minute rows of every minute before the current
  // one up into event_rollups (REFRESH MATERIALIZED VIEW CONCURRENTLY:
  // readers are not blocked). Returns false when another node was
  // refreshing (nothing done), true when refreshed.
  // Errors: FailedPrecondition (mode kWritten), Unavailable, Internal.
  [[nodiscard]] virtual absl::StatusOr<bool> RefreshRollups() = 0;
};

// Connects, checks the server (PostgreSQL 15 or later), creates the tables,
// this month's partitions and those ahead, and (kMaterialized) the view;
// starts the maintenance and refresh timers.
// Errors: InvalidArgument (an option out of range or a bad conninfo,
// naming it), Unavailable (cannot connect), FailedPrecondition (server
// older than 15, or the schema's aggregates use the other RollupMode).
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<std::unique_ptr<PostgresAggregateStore>>
OpenPostgresAggregateStore(const PostgresAggregateStoreOptions& options);

}  // namespace marquee::postgres

#endif  // MARQUEE_POSTGRES_POSTGRES_AGGREGATE_STORE_H_
