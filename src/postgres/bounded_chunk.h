// One keyset chunk of a records table, bounded in rows and in body bytes.
//
// Scans, the change feed and index back-fills read rows in key order, a
// chunk per query. A chunk of N rows holds N bodies, and a body may be as
// large as a whole write batch, so a row count alone does not bound the
// memory of one result. The query below has PostgreSQL stop sending rows
// once the bodies before a row add up to the byte budget (the first row is
// always sent), and says how many rows the row limit alone would have given,
// so the caller can tell "cut by bytes" (read on after the last row) from
// "the range ended".
#ifndef MARQUEE_SRC_POSTGRES_BOUNDED_CHUNK_H_
#define MARQUEE_SRC_POSTGRES_BOUNDED_CHUNK_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace marquee::postgres::internal {

// Body bytes a chunk sends at most, beyond its first row.
inline constexpr size_t kChunkBodyBytes = size_t{8} << 20;

struct BoundedChunkQuery {
  // The table (already quoted), the key column it is ordered by, the
  // conditions on that column ("" or " WHERE ..."), descending or not.
  std::string_view table;
  std::string_view key_column;
  std::string_view where;
  bool descending = false;
  // The columns to send, as SQL over the table's columns (the key column
  // and a body column named "body" are among them).
  std::string_view columns;
  // Placeholders of the row limit and of the byte budget ("$3").
  std::string_view limit_param;
  std::string_view budget_param;
};

// SELECT <columns>, <rows the limit alone gives> ... ORDER BY key: the
// last column (index = columns + 0) is the count of rows before the byte
// cut, equal on every row.
std::string BoundedChunkSql(const BoundedChunkQuery& query);

}  // namespace marquee::postgres::internal

#endif  // MARQUEE_SRC_POSTGRES_BOUNDED_CHUNK_H_
