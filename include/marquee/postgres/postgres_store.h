// marquee/postgres/postgres_store.h — the Store on PostgreSQL 15 (libpq).
//
// PostgresStore keeps records in PostgreSQL, so several machines share one
// store: a table per collection, a bytea key column per declared index
// (index order is byte order, exactly the MemoryStore's), a changes table
// written in the same transaction as the records, and LISTEN/NOTIFY as the
// wake-up of watchers, which read the changes table from the last version
// they delivered: a lost notification or a lost connection delays a change
// (until the next poll or reconnect), never loses it. Versions come from a
// sequence, assigned while the writer holds the store's one meta row lock,
// so version order is commit order. It passes the same Store contract suite
// as MemoryStore. docs/architecture.md ("How the PostgreSQL store works")
// and docs/operations.md describe the schema and the settings.
// Thread-safety: every method may be called concurrently.
//
//   absl::StatusOr<std::unique_ptr<marquee::postgres::PostgresStore>> store =
//       marquee::postgres::OpenPostgresStore(
//           {.conninfo = "postgresql://marquee@db.internal/marquee", .schema = "shop"});
//   if (!store.ok()) return store.status();
//   absl::StatusOr<uint64_t> version = (*store)->Write(batch);
#ifndef MARQUEE_POSTGRES_POSTGRES_STORE_H_
#define MARQUEE_POSTGRES_POSTGRES_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "marquee/clock.h"
#include "marquee/export.h"
#include "marquee/index.h"
#include "marquee/store.h"

namespace marquee::postgres {

struct PostgresStoreOptions {
  // Where the database is: a libpq connection URI or key=value string, e.g.
  // "postgresql://marquee:secret@10.0.0.5:5432/marquee?sslmode=require".
  // Must not be empty. Default: "".
  std::string conninfo{};
  // The PostgreSQL schema that holds every table of this store; created if
  // absent. Stores with different schemas in one database are independent
  // (tests use one per case). Lowercase letters, digits and '_', starting
  // with a letter or '_', 1..48 bytes. Default: "marquee".
  std::string schema = "marquee";
  // Connections kept open for Get, Write, Scan and watchers' reads, 1..256.
  // The change feed's listener holds one more (opened by the first Watch).
  // They show in pg_stat_activity as application_name "marquee <schema>"
  // and "marquee/listen <schema>". Default: 4.
  int pool_size = 4;
  // Longest wait to establish a connection (libpq's connect_timeout, whole
  // seconds, at least 2). Default: 5 s.
  absl::Duration connect_timeout = absl::Seconds(5);
  // Longest run of one SQL statement (PostgreSQL's statement_timeout; a
  // writer waiting for the store's lock counts); 0: none. Default: 30 s.
  absl::Duration statement_timeout = absl::Seconds(30);
  // Longest wait for a free pooled connection. Default: 10 s.
  absl::Duration acquire_timeout = absl::Seconds(10);
  // How often each watcher reads the changes table without a notification:
  // the bound on how late a change whose NOTIFY was lost arrives. (The
  // listener retries a lost connection every 500 ms at most, and wakes every
  // watcher when it is back.) Default: 1 s.
  absl::Duration poll_interval = absl::Seconds(1);
  // Send NOTIFY when a write commits. Without it watchers (of any node)
  // see this node's writes only at their next poll; for bulk loaders.
  // Default: true.
  bool notify = true;
  // Changes older than this are deleted from the changes table; 0 keeps
  // them regardless of age. Default: 7 days.
  absl::Duration changes_max_age = absl::Hours(24 * 7);
  // At most this many changes are kept (whole commits are deleted, oldest
  // first); 0: no limit. Default: 1,000,000.
  uint64_t changes_max_rows = 1'000'000;
  // How often this store deletes expired changes in the background; 0:
  // never (call PruneChanges). Default: 1 min.
  absl::Duration prune_interval = absl::Minutes(1);
  // Largest accepted batch, counting ids and bodies. Default: 64 MiB.
  size_t max_batch_bytes = size_t{64} << 20;
  // Source of record timestamps. Not owned; must outlive the store.
  // Default: Clock::Real().
  Clock* clock = nullptr;
  // Indexes to declare when the store opens. Default: none.
  std::vector<IndexSpec> indexes{};
};

class MARQUEE_EXPORT PostgresStore : public Store {
 public:
  // Deletes changes beyond options.changes_max_age and changes_max_rows
  // now; returns how many were deleted. A watcher whose position falls
  // behind what is kept ends with OutOfRange.
  // Errors: Unavailable (database unreachable), Internal.
  [[nodiscard]] virtual absl::StatusOr<uint64_t> PruneChanges() = 0;
};

// Connects, checks the server (PostgreSQL 15 or later, UTF8 database),
// creates the schema's tables if absent and declares options.indexes.
// Watchers are served by threads the store owns; destroying the store ends
// each live subscription with Cancelled.
// Errors: InvalidArgument (bad options or conninfo), Unavailable (cannot
// connect), FailedPrecondition (server older than 15, not UTF8, or a schema
// written by an incompatible version), plus DefineIndex's codes.
[[nodiscard]] MARQUEE_EXPORT absl::StatusOr<std::unique_ptr<PostgresStore>> OpenPostgresStore(
    const PostgresStoreOptions& options);

}  // namespace marquee::postgres

#endif  // MARQUEE_POSTGRES_POSTGRES_STORE_H_
