#include "postgres/connection.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "absl/strings/strip.h"
#include "postgres/pg_status.h"

namespace marquee::postgres::internal {

using marquee::internal::Sv;
using marquee::internal::StdSv;
namespace {

// Prepared statements kept per connection before the cache starts over
// (DEALLOCATE ALL); bounds server memory when many collections are used.
constexpr size_t kMaxPreparedStatements = 1000;

std::string TrimmedError(PGconn* conn) {
  return std::string(absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn)));
}

}  // namespace

absl::Status ValidateConninfo(std::string_view conninfo) {
  if (conninfo.empty()) return absl::InvalidArgumentError("conninfo must not be empty");
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(std::string(conninfo).c_str(), &error);
  if (options == nullptr) {
    // libpq's reason quotes the text around the fault, which may be part of
    // a password: it is not repeated.
    const bool out_of_memory = error == nullptr;
    PQfreemem(error);
    if (out_of_memory) return absl::ResourceExhaustedError("libpq could not parse conninfo");
    return absl::InvalidArgumentError(
        "conninfo is not a valid libpq connection string or postgresql:// URI");
  }
  PQconninfoFree(options);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> PgResult::Int(int row, int column) const {
  std::string_view text = Get(row, column);
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return absl::InternalError(absl::StrCat("PostgreSQL returned '", Sv(text), "' for an integer"));
  }
  return value;
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const ConnectSettings& settings) {
  if (absl::Status valid = ValidateConninfo(settings.conninfo); !valid.ok()) return valid;
  // libpq takes whole seconds and treats 1 as 2.
  const int64_t timeout_seconds =
      std::max<int64_t>(2, static_cast<int64_t>(std::ceil(absl::ToDoubleSeconds(settings.connect_timeout))));
  const std::string timeout = std::to_string(timeout_seconds);
  // The conninfo is expanded first; the keywords after it override what it says.
  // TCP keepalives find a server (or a network) that went away without a
  // word within about a minute, instead of the kernel's two hours.
  const char* keywords[] = {"dbname",           "connect_timeout",   "client_encoding",
                            "application_name", "keepalives",        "keepalives_idle",
                            "keepalives_interval", "keepalives_count", nullptr};
  const char* values[] = {settings.conninfo.c_str(), timeout.c_str(), "UTF8",
                          settings.application_name.c_str(), "1", "30", "10", "3", nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return absl::ResourceExhaustedError("libpq could not allocate a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = TrimmedError(conn);
    PQfinish(conn);
    return absl::UnavailableError(absl::StrCat("cannot connect to PostgreSQL: ", reason));
  }
  // NOTICEs ("relation already exists, skipping") would go to stderr; a
  // library keeps quiet.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  std::unique_ptr<Connection> connection(new Connection(conn));
  // Timestamps are read and written as numbers, but UTC keeps anything a
  // person reads from these sessions unambiguous.
  std::string setup = "SET TimeZone = 'UTC'; SET lock_timeout = 0";
  const int64_t statement_ms = absl::ToInt64Milliseconds(settings.statement_timeout);
  absl::StrAppend(&setup, "; SET statement_timeout = ", statement_ms > 0 ? statement_ms : 0);
  // A session that stops between two statements of a write (its process
  // frozen, its network gone) would hold the meta row lock every writer
  // needs; the server ends such a transaction after this long. A live
  // writer sends its next statement within milliseconds.
  absl::StrAppend(&setup, "; SET idle_in_transaction_session_timeout = ",
                  std::max<int64_t>(statement_ms, 10'000));
  if (absl::Status s = connection->ExecSimple(setup, "setting up the session"); !s.ok()) return s;
  return connection;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::broken() const { return PQstatus(conn_) == CONNECTION_BAD; }

bool Connection::in_transaction() const {
  const PGTransactionStatusType status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

absl::Status Connection::ExecSimple(std::string_view sql, std::string_view what) {
  PGresult* result = PQexec(conn_, std::string(sql).c_str());
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    PQclear(result);
    return absl::OkStatus();
  }
  absl::Status error = StatusOfResult(result, conn_, what);
  PQclear(result);
  return error;
}

absl::StatusOr<PgResult> Connection::Exec(std::string_view sql, std::span<const Param> params,
                                          std::string_view what) {
  auto it = prepared_.find(Sv(sql));
  if (it == prepared_.end()) {
    if (prepared_.size() >= kMaxPreparedStatements) {
      if (absl::Status s = ExecSimple("DEALLOCATE ALL", "dropping prepared statements"); !s.ok()) {
        return s;
      }
      prepared_.clear();
    }
    std::string name = absl::StrCat("marquee_", ++statements_prepared_);
    PGresult* prepared = PQprepare(conn_, name.c_str(), std::string(sql).c_str(),
                                   static_cast<int>(params.size()), nullptr);
    if (prepared == nullptr || PQresultStatus(prepared) != PGRES_COMMAND_OK) {
      absl::Status error = StatusOfResult(prepared, conn_, what);
      PQclear(prepared);
      return error;
    }
    PQclear(prepared);
    it = prepared_.emplace(std::string(sql), std::move(name)).first;
  }
  std::vector<const char*> values(params.size());
  std::vector<int> lengths(params.size());
  std::vector<int> formats(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    // libpq reads text parameters up to their NUL: copy those that are
    // views into longer strings. Binary ones carry their length.
    values[i] = params[i].null ? nullptr : params[i].value.data();
    lengths[i] = static_cast<int>(params[i].value.size());
    formats[i] = params[i].binary ? 1 : 0;
  }
  std::vector<std::string> terminated;
  terminated.reserve(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    if (!params[i].null && !params[i].binary) {
      terminated.emplace_back(params[i].value);
      values[i] = terminated.back().c_str();
    }
  }
  PGresult* result = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()),
                                    values.data(), lengths.data(), formats.data(), 0);
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return PgResult(result);
  absl::Status error = StatusOfResult(result, conn_, what);
  PQclear(result);
  return error;
}

}  // namespace marquee::postgres::internal
