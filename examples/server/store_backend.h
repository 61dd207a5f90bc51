// The store marquee-server serves: the embedded MemoryStore (--data-dir, or
// memory only), or PostgreSQL (--postgres), which several nodes share.
// Thread-safety: OpenServerStore is called once, at start-up.
//
//   absl::StatusOr<ServerStore> opened = OpenServerStore(flags);
//   if (!opened.ok()) return 1;  // opened.status() says why (never the URI's password)
//   marquee::Store& store = *opened->store;
#ifndef MARQUEE_EXAMPLES_SERVER_STORE_BACKEND_H_
#define MARQUEE_EXAMPLES_SERVER_STORE_BACKEND_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "marquee/campaign/aggregate_store.h"
#include "marquee/memory_store.h"
#include "marquee/store.h"
#include "options.h"

namespace marquee_server {

struct ServerStore {
  std::unique_ptr<marquee::Store> store;
  // The same store when it is the embedded one (for its metrics); null on
  // PostgreSQL.
  marquee::MemoryStore* memory = nullptr;
  // Whether several nodes may serve this store at once (PostgreSQL).
  bool shared = false;
  // Where event aggregates live when not in the store's records: on
  // PostgreSQL its partitioned tables (additive upserts, no compare-and-set
  // between nodes); null for the embedded store.
  std::unique_ptr<marquee::campaign::AggregateStore> aggregates;
  // One line for the banner: where the data lives.
  std::string description;
};

// Opens the store `flags` name: PostgreSQL (schema flags.postgres_schema,
// with a PostgresAggregateStore in the same schema) when flags.postgres is
// set, else a MemoryStore on flags.data_dir.
// Errors: those of OpenPostgresStore and OpenPostgresAggregateStore (Unavailable when PostgreSQL cannot
// be reached, FailedPrecondition for an unsuitable server, ...) and of
// OpenMemoryStore; Unimplemented when --postgres is given to a server built
// without marquee::postgres.
absl::StatusOr<ServerStore> OpenServerStore(const ServerFlags& flags);

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_STORE_BACKEND_H_
