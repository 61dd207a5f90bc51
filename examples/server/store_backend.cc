#include "store_backend.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

#if MARQUEE_SERVER_WITH_POSTGRES
#include "marquee/postgres/postgres_aggregate_store.h"
#include "marquee/postgres/postgres_store.h"
#endif

namespace marquee_server {

namespace {

const char* FsyncName(marquee::FsyncPolicy p) {
  switch (p) {
    case marquee::FsyncPolicy::kAlways: return "always";
    case marquee::FsyncPolicy::kEverySecond: return "every_second";
    case marquee::FsyncPolicy::kNever: return "never";
  }
  return "?";
}

// The host part of a libpq URI or key=value string, for the banner: what
// the operator needs to recognise the database, without the password.
std::string PostgresWhere(const std::string& conninfo) {
  const size_t scheme = conninfo.find("://");
  if (scheme == std::string::npos) return "(key=value connection string)";
  std::string rest = conninfo.substr(scheme + 3);
  if (const size_t at = rest.rfind('@', rest.find('/')); at != std::string::npos) {
    rest = rest.substr(at + 1);
  }
  return rest.substr(0, rest.find('?'));
}

absl::StatusOr<ServerStore> OpenPostgres(const ServerFlags& flags) {
#if MARQUEE_SERVER_WITH_POSTGRES
  absl::StatusOr<std::unique_ptr<marquee::postgres::PostgresStore>> store =
      marquee::postgres::OpenPostgresStore(
          {.conninfo = flags.postgres, .schema = flags.postgres_schema});
  if (!store.ok()) return store.status();
  // Event aggregates in the same schema, as tables partitioned by month;
  // hour and day rows are written (RollupMode::kWritten: docs/operations.md
  // says why the rollups view is not the default).
  absl::StatusOr<std::unique_ptr<marquee::postgres::PostgresAggregateStore>> aggregates =
      marquee::postgres::OpenPostgresAggregateStore(
          {.conninfo = flags.postgres, .schema = flags.postgres_schema});
  if (!aggregates.ok()) return aggregates.status();
  ServerStore opened;
  opened.store = *std::move(store);
  opened.aggregates = *std::move(aggregates);
  opened.shared = true;
  opened.description = absl::StrCat("PostgreSQL ", PostgresWhere(flags.postgres), ", schema ",
                                    flags.postgres_schema, " (shared by every node given them)");
  return opened;
#else
  (void)flags;
  return absl::UnimplementedError(
      "this marquee-server was built without marquee::postgres (MARQUEE_BUILD_POSTGRES=OFF)");
#endif
}

}  // namespace

absl::StatusOr<ServerStore> OpenServerStore(const ServerFlags& flags) {
  if (!flags.postgres.empty()) return OpenPostgres(flags);
  absl::StatusOr<std::unique_ptr<marquee::MemoryStore>> store =
      marquee::OpenMemoryStore({.data_dir = flags.data_dir, .fsync = flags.fsync});
  if (!store.ok()) return store.status();
  ServerStore opened;
  opened.memory = store->get();
  opened.description =
      flags.data_dir.empty()
          ? std::string("memory only (pass --data-dir DIR to keep data, --postgres URI to share it)")
          : absl::StrCat("data dir ", flags.data_dir, ", fsync ", FsyncName(flags.fsync));
  opened.store = *std::move(store);
  return opened;
}

}  // namespace marquee_server
