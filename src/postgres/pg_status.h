// How PostgreSQL's failures become Marquee's status codes.
//
// Connection failures and server shutdowns are Unavailable (the caller may
// retry, the pool reconnects); a statement timeout is Unavailable too (the
// database did not answer in time); serialization failures, deadlocks and
// lock timeouts are Aborted (retry the operation); data the server refuses
// is InvalidArgument; corruption is DataLoss; everything else (a bug in the
// SQL, a missing table) is Internal. Messages carry the server's message and
// SQLSTATE, never parameters.
#ifndef MARQUEE_SRC_POSTGRES_PG_STATUS_H_
#define MARQUEE_SRC_POSTGRES_PG_STATUS_H_

#include <libpq-fe.h>

#include <string_view>

#include "absl/status/status.h"

namespace marquee::postgres::internal {

// The status of a failed statement. `what` says what was being done
// ("reading campaigns/spring"). REQUIRES: result failed (or is null, which
// libpq returns when the connection is gone).
absl::Status StatusOfResult(const PGresult* result, PGconn* conn, std::string_view what);

// The status for a SQLSTATE (5 characters) and a message.
absl::Status StatusOfSqlState(std::string_view sqlstate, std::string_view message,
                              std::string_view what);

}  // namespace marquee::postgres::internal

#endif  // MARQUEE_SRC_POSTGRES_PG_STATUS_H_
