// The tables of a PostgresAggregateStore and the SQL that creates them.
//
// In the store's schema, beside the PostgresStore's tables:
//   event_aggregates        the aggregates, PARTITION BY RANGE (start); type
//                           and bucket are their names ("click", "hour") so
//                           a person reading the table needs no legend
//   event_aggregates_pYYYY_MM   one partition per UTC month [first, next first)
//   aggregate_meta          one row: the RollupMode every node must use,
//                           covered_to, the end of the minutes the last
//                           refresh of event_rollups rolled up, and
//                           refreshed_at, when (by the refresher's clock)
//   event_rollups           (kMaterialized) materialized view: minute rows
//                           before covered_to summed into hour and day
//                           rows, with a UNIQUE index so it is refreshed
//                           CONCURRENTLY
// Months are counted as year * 12 + (month - 1) (a "month index").
#ifndef MARQUEE_SRC_POSTGRES_AGGREGATE_SCHEMA_H_
#define MARQUEE_SRC_POSTGRES_AGGREGATE_SCHEMA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "marquee/postgres/postgres_aggregate_store.h"
#include "postgres/connection.h"

namespace marquee::postgres::internal {

// Starts of bucket accepted by the tables: 1970-01-01 to 9999-12-31 UTC, so
// every partition has a four-digit year in its name.
inline constexpr int64_t kFirstAggregateSecond = 0;
inline constexpr int64_t kLastAggregateSecond = 253'402'300'799;

// The qualified names of one schema's aggregate tables.
struct AggregateNames {
  explicit AggregateNames(std::string_view schema);
  std::string schema;         // unquoted
  std::string table;          // "schema"."event_aggregates"
  std::string meta;           // "schema"."aggregate_meta"
  std::string rollups;        // "schema"."event_rollups"
  // Keys of pg_advisory_xact_lock: partition DDL, refreshes.
  std::string ddl_lock_key;   // SQL expression
  std::string refresh_lock_key;
};

// The month index of the month holding `unix_seconds` (UTC).
int64_t MonthIndexOf(int64_t unix_seconds);
// Unix seconds of the first instant of a month index.
int64_t MonthStartSeconds(int64_t month_index);
// "event_aggregates_p2026_03" (unquoted).
std::string PartitionName(int64_t month_index);
// The month index of a partition name; nullopt for another name.
std::optional<int64_t> MonthOfPartitionName(std::string_view name);

// CREATE TABLE IF NOT EXISTS for the partition of a month.
std::string CreatePartitionSql(const AggregateNames& names, int64_t month_index);

// Creates the schema, event_aggregates, aggregate_meta and (kMaterialized)
// event_rollups if absent, under the DDL lock, and checks that the schema's
// mode is `mode`.
// Errors: FailedPrecondition (the schema's aggregates use the other mode),
// Unavailable, Internal.
absl::Status CreateAggregateTables(Connection& conn, const AggregateNames& names, RollupMode mode);

// "written" or "materialized": the name kept in aggregate_meta.rollups.
std::string_view RollupModeName(RollupMode mode);

}  // namespace marquee::postgres::internal

#endif  // MARQUEE_SRC_POSTGRES_AGGREGATE_SCHEMA_H_
