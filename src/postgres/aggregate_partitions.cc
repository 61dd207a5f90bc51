// Partitions of event_aggregates: created on demand before an Add needs
// them, created ahead and dropped past retention by Maintain. All partition
// DDL of a schema runs under one transaction-level advisory lock, so nodes
// doing it at once take turns instead of failing on the catalogs; CREATE
// TABLE IF NOT EXISTS makes a turn that finds the work done a no-op.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/status.h"
#include "postgres/postgres_aggregate_store_impl.h"
#include "postgres/schema.h"

namespace marquee::postgres::internal {
namespace {

// Runs `body` between BEGIN and COMMIT holding the DDL lock; rolls back
// when it fails.
template <typename Body>
absl::Status InDdlTransaction(Connection& conn, const AggregateNames& names, Body body) {
  MARQUEE_RETURN_IF_ERROR(conn.ExecSimple(
      absl::StrCat("BEGIN; SELECT pg_advisory_xact_lock(", names.ddl_lock_key, ")"),
      "taking the aggregate partitions lock"));
  absl::Status s = body();
  if (s.ok()) s = conn.ExecSimple("COMMIT", "committing aggregate partitions");
  if (!s.ok()) (void)conn.ExecSimple("ROLLBACK", "rolling back");
  return s;
}

// The month indexes of the partitions that exist now.
absl::StatusOr<std::vector<int64_t>> ListPartitions(Connection& conn, const AggregateNames& names) {
  MARQUEE_ASSIGN_OR_RETURN(
      PgResult rows,
      conn.Exec("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = to_regclass($1)",
                {Param::Text(names.table)}, "listing aggregate partitions"));
  std::vector<int64_t> months;
  for (int i = 0; i < rows.rows(); ++i) {
    // A table an operator attached by hand keeps its name: not ours to drop.
    if (std::optional<int64_t> month = MonthOfPartitionName(rows.Get(i, 0))) {
      months.push_back(*month);
    }
  }
  return months;
}

}  // namespace

absl::Status PostgresAggregateStoreImpl::EnsurePartitions(std::span<const int64_t> months) {
  std::vector<int64_t> missing;
  {
    std::lock_guard lock(partitions_mu_);
    for (int64_t month : months) {
      if (!known_months_.contains(month)) missing.push_back(month);
    }
  }
  if (missing.empty()) return absl::OkStatus();
  absl::StatusOr<bool> created = pool_.Run([&](Connection& conn, bool*) -> absl::StatusOr<bool> {
    absl::Status s = InDdlTransaction(conn, names_, [&]() -> absl::Status {
      for (int64_t month : missing) {
        MARQUEE_RETURN_IF_ERROR(
            conn.ExecSimple(CreatePartitionSql(names_, month), "creating an aggregate partition"));
      }
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return true;
  });
  if (!created.ok()) return created.status();
  std::lock_guard lock(partitions_mu_);
  known_months_.insert(missing.begin(), missing.end());
  return absl::OkStatus();
}

void PostgresAggregateStoreImpl::ForgetPartitions() {
  std::lock_guard lock(partitions_mu_);
  known_months_.clear();
}

absl::StatusOr<AggregateMaintenance> PostgresAggregateStoreImpl::Maintain() {
  const absl::Time now = clock_->Now();
  const int64_t current = MonthIndexOf(std::clamp<int64_t>(
      absl::ToUnixSeconds(now), kFirstAggregateSecond, kLastAggregateSecond));
  const int64_t last_ahead = std::min<int64_t>(current + options_.partitions_ahead,
                                               MonthIndexOf(kLastAggregateSecond));
  AggregateMaintenance report;
  std::vector<int64_t> existing;
  std::vector<int64_t> dropped;
  absl::StatusOr<bool> done = pool_.Run([&](Connection& conn, bool*) -> absl::StatusOr<bool> {
    report = {};
    dropped.clear();
    absl::Status s = InDdlTransaction(conn, names_, [&]() -> absl::Status {
      MARQUEE_ASSIGN_OR_RETURN(existing, ListPartitions(conn, names_));
      for (int64_t month = current; month <= last_ahead; ++month) {
        if (std::find(existing.begin(), existing.end(), month) != existing.end()) continue;
        MARQUEE_RETURN_IF_ERROR(
            conn.ExecSimple(CreatePartitionSql(names_, month), "creating an aggregate partition"));
        existing.push_back(month);
        ++report.partitions_created;
      }
      if (options_.retention == absl::ZeroDuration()) return absl::OkStatus();
      const absl::Time horizon = now - options_.retention;
      for (int64_t month : existing) {
        // Whole months only: one that ends after the horizon keeps every row.
        if (absl::FromUnixSeconds(MonthStartSeconds(month + 1)) > horizon) continue;
        // DROP detaches and removes the month at once: no DELETE, nothing
        // for vacuum. It holds the parent's lock briefly, until COMMIT.
        MARQUEE_RETURN_IF_ERROR(conn.ExecSimple(
            absl::StrCat("DROP TABLE IF EXISTS ", QuoteIdent(names_.schema), ".",
                         QuoteIdent(PartitionName(month))),
            "dropping an expired aggregate partition"));
        dropped.push_back(month);
        ++report.partitions_dropped;
      }
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return true;
  });
  if (!done.ok()) return done.status();
  {
    std::lock_guard lock(partitions_mu_);
    for (int64_t month : existing) known_months_.insert(month);
    for (int64_t month : dropped) known_months_.erase(month);
  }
  if (!dropped.empty() && options_.rollups == RollupMode::kMaterialized) {
    // The view still sums the dropped minutes until it is refreshed. Another
    // node refreshing now (false) computes from the same tables.
    MARQUEE_RETURN_IF_ERROR(RefreshRollups().status());
  }
  return report;
}

}  // namespace marquee::postgres::internal
