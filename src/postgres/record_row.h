// How records travel between C++ and SQL.
//
// Timestamps are written and read as whole microseconds since the Unix
// epoch (what Record holds), converted by SQL expressions so no time zone
// or DateStyle setting can change them. Bodies are written as their JSON
// text and read back as text, then wrapped as Json again. Keys (bytea) are
// sent as binary parameters and read in PostgreSQL's hex text form.
#ifndef MARQUEE_SRC_POSTGRES_RECORD_ROW_H_
#define MARQUEE_SRC_POSTGRES_RECORD_ROW_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "marquee/record.h"
#include "postgres/connection.h"

namespace marquee::postgres::internal {

// SQL for a timestamptz parameter given as microseconds: MicrosToTimestamp("$5").
std::string MicrosToTimestamp(std::string_view param);
// SQL for the microseconds of a timestamptz column.
std::string TimestampToMicros(std::string_view column);

// The columns RecordFromRow reads, in order (id, version, schema, created,
// updated, body), for a records table.
std::string RecordColumns();

// A record from `row` of `result`, whose columns from `first` on are
// RecordColumns(). Errors: Internal / DataLoss (a value that does not read).
absl::StatusOr<Record> RecordFromRow(const PgResult& result, int row, int first,
                                     std::string_view collection);

// The bytes of a bytea value in hex text form ("\x0102...").
// Errors: Internal.
absl::StatusOr<std::string> DecodeBytea(std::string_view text);

}  // namespace marquee::postgres::internal

#endif  // MARQUEE_SRC_POSTGRES_RECORD_ROW_H_
