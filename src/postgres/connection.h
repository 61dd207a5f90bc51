// One libpq connection with its own cache of prepared statements.
//
// Exec prepares each distinct SQL text once per connection (PQprepare under
// a generated name) and runs it with PQexecPrepared after that, so the
// server parses and plans a statement once per connection, not per call. A
// new connection (a reconnect) starts with an empty cache and prepares
// again. Text parameters and results, except parameters marked binary
// (bytea keys, sent as raw bytes without escaping).
// Thread-safety: none; one thread at a time (the pool hands it out).
#ifndef MARQUEE_SRC_POSTGRES_CONNECTION_H_
#define MARQUEE_SRC_POSTGRES_CONNECTION_H_

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace marquee::postgres::internal {

// What every connection of a store is opened with.
struct ConnectSettings {
  std::string conninfo;
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration statement_timeout = absl::ZeroDuration();  // 0: none
  std::string application_name = "marquee";
};

// Checks that `conninfo` parses as a libpq URI or key=value string.
// Errors: InvalidArgument with libpq's reason.
absl::Status ValidateConninfo(std::string_view conninfo);

// One statement parameter: a value (text, or raw bytes when binary) or NULL.
struct Param {
  std::string_view value{};
  bool binary = false;
  bool null = false;

  static Param Text(std::string_view v) { return Param{v, false, false}; }
  static Param Bytes(std::string_view v) { return Param{v, true, false}; }
  static Param Null() { return Param{{}, false, true}; }
};

// A successful result (rows in text format). Frees itself.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result, &PQclear) {}
  int rows() const { return PQntuples(result_.get()); }
  bool IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  std::string_view Get(int row, int column) const {
    return std::string_view(PQgetvalue(result_.get(), row, column),
                            static_cast<size_t>(PQgetlength(result_.get(), row, column)));
  }
  // The integer in (row, column). Errors: Internal (not an integer).
  absl::StatusOr<int64_t> Int(int row, int column) const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

class Connection {
 public:
  // Connects and applies the session settings (UTC, UTF8, statement_timeout).
  // Errors: Unavailable (cannot connect), InvalidArgument (bad conninfo).
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const ConnectSettings& settings);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one parameterized statement as a cached prepared statement.
  // `what` names the operation in error messages.
  // Errors: see pg_status.h.
  absl::StatusOr<PgResult> Exec(std::string_view sql, std::span<const Param> params,
                                std::string_view what);
  absl::StatusOr<PgResult> Exec(std::string_view sql, std::initializer_list<Param> params,
                                std::string_view what) {
    return Exec(sql, std::span<const Param>(params.begin(), params.size()), what);
  }
  // Runs SQL without parameters or preparation (transaction control, DDL;
  // may hold several statements).
  absl::Status ExecSimple(std::string_view sql, std::string_view what);

  // True when libpq reports the connection lost (PQstatus CONNECTION_BAD):
  // it must not be reused.
  bool broken() const;
  // True while a transaction is open or failed on the server side.
  bool in_transaction() const;
  PGconn* raw() { return conn_; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}

  PGconn* conn_;
  // SQL text -> name of its prepared statement on this connection.
  absl::flat_hash_map<std::string, std::string> prepared_;
  uint64_t statements_prepared_ = 0;  // names are never reused
};

}  // namespace marquee::postgres::internal

#endif  // MARQUEE_SRC_POSTGRES_CONNECTION_H_
