#include "postgres/pg_status.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "absl/strings/strip.h"

namespace marquee::postgres::internal {

using marquee::internal::Sv;
using marquee::internal::StdSv;
namespace {

absl::StatusCode CodeOf(std::string_view sqlstate) {
  const std::string_view cls = sqlstate.substr(0, 2);
  if (cls == "08") return absl::StatusCode::kUnavailable;  // connection exception
  if (sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03") {
    return absl::StatusCode::kUnavailable;  // admin/crash shutdown, cannot connect now
  }
  if (sqlstate == "57014") return absl::StatusCode::kUnavailable;  // statement timeout
  if (cls == "53") return absl::StatusCode::kUnavailable;  // insufficient resources
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") {
    return absl::StatusCode::kAborted;  // serialization failure, deadlock, lock timeout
  }
  if (cls == "22") return absl::StatusCode::kInvalidArgument;  // data exception
  // program limit exceeded: e.g. an index key over btree's ~2.7 KB entry
  // limit, which only a very long indexed value reaches; the write is
  // refused as the caller's, not the server's fault.
  if (cls == "54") return absl::StatusCode::kInvalidArgument;
  if (sqlstate == "XX001" || sqlstate == "XX002") return absl::StatusCode::kDataLoss;
  return absl::StatusCode::kInternal;
}

}  // namespace

absl::Status StatusOfSqlState(std::string_view sqlstate, std::string_view message,
                              std::string_view what) {
  return absl::Status(CodeOf(sqlstate),
                      absl::StrCat("PostgreSQL failed ", Sv(what), ": ", Sv(message), " (SQLSTATE ",
                                   Sv(sqlstate), ")"));
}

absl::Status StatusOfResult(const PGresult* result, PGconn* conn, std::string_view what) {
  const char* sqlstate = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  // The primary message only: PQresultErrorMessage adds DETAIL and HINT
  // lines, which can quote the row's values.
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message = primary != nullptr ? primary : "";
  if (message.empty() && conn != nullptr) message = PQerrorMessage(conn);
  absl::string_view trimmed = absl::StripTrailingAsciiWhitespace(message);
  if (sqlstate == nullptr || (conn != nullptr && PQstatus(conn) == CONNECTION_BAD)) {
    // No SQLSTATE: libpq itself failed, which means the connection.
    return absl::UnavailableError(
        absl::StrCat("PostgreSQL connection lost while ", Sv(what), ": ", trimmed));
  }
  return StatusOfSqlState(sqlstate, StdSv(trimmed), what);
}

}  // namespace marquee::postgres::internal
