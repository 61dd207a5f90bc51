// The statements of a PostgresAggregateStore: the additive upsert of Add
// and the reads of Read, and the conversions of their rows.
//
// Add sends its rows as one JSON array parameter (json_to_recordset): one
// statement whatever the batch size, and names reach the server only as
// data, never as SQL text. Rows are merged by key and sorted, and inserted
// in that order, so two nodes upserting overlapping batches lock rows in
// the same order and cannot deadlock.
#ifndef MARQUEE_SRC_POSTGRES_AGGREGATE_QUERIES_H_
#define MARQUEE_SRC_POSTGRES_AGGREGATE_QUERIES_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "marquee/campaign/aggregate_store.h"
#include "postgres/aggregate_schema.h"
#include "postgres/connection.h"

namespace marquee::postgres::internal {

// `rows` merged by key and sorted by (campaign, bucket, start, variant,
// type), the primary key's order.
// Errors: InvalidArgument naming the row: a name ValidateEvent refuses, a
// start that is not its bucket's start or outside 1970..9999, a non-finite
// value sum.
absl::StatusOr<std::vector<campaign::AggregateRow>> MergedSortedRows(
    std::span<const campaign::AggregateRow> rows);

// The JSON array parameter of AddSql for rows of MergedSortedRows.
// Errors: InvalidArgument (should not happen after MergedSortedRows).
absl::StatusOr<std::string> RowsJson(std::span<const campaign::AggregateRow> rows);

// $1: RowsJson.
std::string AddSql(const AggregateNames& names);

// Rows of one campaign and bucket size with start in [$3, $4) (unix
// seconds). $1 campaign, $2 bucket name. Columns: variant, type, start
// (unix seconds), count, value_sum.
std::string ReadRowsSql(const AggregateNames& names);

// kMaterialized, hour and day: event_rollups rows in [$3, $4) plus the
// minute rows from max($3, covered_to) to $5 (the end of the bucket
// holding $4's last second) rolled up live into $2 buckets. Same columns.
std::string ReadRollupsSql(const AggregateNames& names);

// Decodes the columns above.
// Errors: DataLoss (a type PostgreSQL returned that is not an event type,
// naming the row), Internal (a malformed number).
absl::StatusOr<std::vector<campaign::AggregateRow>> RowsOfResult(const PgResult& result,
                                                                 std::string_view campaign,
                                                                 campaign::Bucket bucket);

}  // namespace marquee::postgres::internal

#endif  // MARQUEE_SRC_POSTGRES_AGGREGATE_QUERIES_H_
