// BoundedChunkSql: the rows of a LIMIT subquery, with a running sum of body
// sizes (a window over at most the row limit, already in key order) that
// cuts the result once the budget is spent.
#include "postgres/bounded_chunk.h"

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"

namespace marquee::postgres::internal {

using marquee::internal::Sv;

namespace {
// A row's body size; a change feed row of a delete has no body.
constexpr absl::string_view kBodyBytes = "coalesce(octet_length(body::text), 0)";
}  // namespace

std::string BoundedChunkSql(const BoundedChunkQuery& query) {
  const std::string order =
      absl::StrCat(" ORDER BY ", Sv(query.key_column), query.descending ? " DESC" : " ASC");
  return absl::StrCat(
      "SELECT ", Sv(query.columns), ", chunk_rows FROM (SELECT lim.*, count(*) OVER () AS chunk_rows, ",
      "sum(", kBodyBytes, ") OVER (", order, " ROWS UNBOUNDED PRECEDING) - ", kBodyBytes,
      " AS bytes_before FROM (SELECT * FROM ", Sv(query.table),
      Sv(query.where), order, " LIMIT ", Sv(query.limit_param), "::bigint) lim) w",
      " WHERE bytes_before < ", Sv(query.budget_param), "::bigint", order);
}

}  // namespace marquee::postgres::internal
