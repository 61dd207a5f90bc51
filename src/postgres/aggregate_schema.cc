#include "postgres/aggregate_schema.h"

#include <charconv>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "internal/absl_strings.h"
#include "postgres/schema.h"

namespace marquee::postgres::internal {

using marquee::internal::Sv;

namespace {

constexpr std::string_view kPartitionPrefix = "event_aggregates_p";

// '2026-03-01 00:00:00+00': a literal made of integers only.
std::string TimestampLiteral(int64_t unix_seconds) {
  const absl::Time t = absl::FromUnixSeconds(unix_seconds);
  return absl::StrCat("'", absl::FormatTime("%Y-%m-%d %H:%M:%S+00", t, absl::UTCTimeZone()), "'");
}

}  // namespace

AggregateNames::AggregateNames(std::string_view schema_name)
    : schema(schema_name),
      table(absl::StrCat(QuoteIdent(schema_name), ".", QuoteIdent("event_aggregates"))),
      meta(absl::StrCat(QuoteIdent(schema_name), ".", QuoteIdent("aggregate_meta"))),
      rollups(absl::StrCat(QuoteIdent(schema_name), ".", QuoteIdent("event_rollups"))),
      // Schema names are [a-z0-9_] only (ValidateSchemaName): safe in a literal.
      ddl_lock_key(absl::StrCat("hashtext('marquee aggregates ddl ", Sv(schema_name), "')")),
      refresh_lock_key(
          absl::StrCat("hashtext('marquee aggregates refresh ", Sv(schema_name), "')")) {}

int64_t MonthIndexOf(int64_t unix_seconds) {
  const absl::CivilMonth month(
      absl::ToCivilSecond(absl::FromUnixSeconds(unix_seconds), absl::UTCTimeZone()));
  return month.year() * 12 + (month.month() - 1);
}

int64_t MonthStartSeconds(int64_t month_index) {
  const absl::CivilMonth month(month_index / 12, static_cast<int>(month_index % 12) + 1);
  return absl::ToUnixSeconds(absl::FromCivil(month, absl::UTCTimeZone()));
}

std::string PartitionName(int64_t month_index) {
  char text[32];
  std::snprintf(text, sizeof text, "%04lld_%02d", static_cast<long long>(month_index / 12),
                static_cast<int>(month_index % 12) + 1);
  return absl::StrCat(Sv(kPartitionPrefix), text);
}

std::optional<int64_t> MonthOfPartitionName(std::string_view name) {
  if (name.size() != kPartitionPrefix.size() + 7 ||
      name.substr(0, kPartitionPrefix.size()) != kPartitionPrefix ||
      name[kPartitionPrefix.size() + 4] != '_') {
    return std::nullopt;
  }
  const std::string_view digits = name.substr(kPartitionPrefix.size());
  int year = 0;
  int month = 0;
  auto [y_end, y_error] = std::from_chars(digits.data(), digits.data() + 4, year);
  auto [m_end, m_error] = std::from_chars(digits.data() + 5, digits.data() + 7, month);
  if (y_error != std::errc() || m_error != std::errc() || y_end != digits.data() + 4 ||
      m_end != digits.data() + 7 || month < 1 || month > 12) {
    return std::nullopt;
  }
  return int64_t{year} * 12 + (month - 1);
}

std::string CreatePartitionSql(const AggregateNames& names, int64_t month_index) {
  return absl::StrCat("CREATE TABLE IF NOT EXISTS ", QuoteIdent(names.schema), ".",
                      QuoteIdent(PartitionName(month_index)), " PARTITION OF ", names.table,
                      " FOR VALUES FROM (", TimestampLiteral(MonthStartSeconds(month_index)),
                      ") TO (", TimestampLiteral(MonthStartSeconds(month_index + 1)), ")");
}

std::string_view RollupModeName(RollupMode mode) {
  return mode == RollupMode::kMaterialized ? "materialized" : "written";
}

absl::Status CreateAggregateTables(Connection& conn, const AggregateNames& n, RollupMode mode) {
  // The view sums minute rows before covered_to into hour and day rows;
  // date_trunc in UTC whatever the session's TimeZone (an operator's psql
  // may refresh it too).
  const std::string view_sql = absl::StrCat(
      "BEGIN;",
      "SELECT pg_advisory_xact_lock(", n.ddl_lock_key, ");",
      "CREATE MATERIALIZED VIEW IF NOT EXISTS ", n.rollups, " AS ",
      "SELECT a.campaign, a.variant, a.type, u.bucket, ",
      "date_trunc(u.bucket, a.start, 'UTC') AS start, ",
      "sum(a.count)::bigint AS count, sum(a.value_sum) AS value_sum ",
      "FROM ", n.table, " a CROSS JOIN (VALUES ('hour'), ('day')) AS u(bucket) ",
      "WHERE a.bucket = 'minute' AND a.start < (SELECT covered_to FROM ", n.meta, ") ",
      "GROUP BY 1, 2, 3, 4, 5;",
      "CREATE UNIQUE INDEX IF NOT EXISTS event_rollups_key ON ", n.rollups,
      " (campaign, bucket, start, variant, type);",
      "COMMIT;");
  // The PostgresStore's schema lock first (its key, schema.cc): a store and
  // an aggregate store opening a fresh schema at once would otherwise race
  // on CREATE SCHEMA. Then the partition lock, the order every caller uses.
  const std::string sql = absl::StrCat(
      "BEGIN;",
      "SELECT pg_advisory_xact_lock(hashtext('marquee schema ' || '", Sv(n.schema), "'));",
      "SELECT pg_advisory_xact_lock(", n.ddl_lock_key, ");",
      "CREATE SCHEMA IF NOT EXISTS ", QuoteIdent(n.schema), ";",
      "CREATE TABLE IF NOT EXISTS ", n.table, " (",
      "  campaign text COLLATE \"C\" NOT NULL,",
      "  variant text COLLATE \"C\" NOT NULL,",
      "  type text COLLATE \"C\" NOT NULL,",
      "  bucket text COLLATE \"C\" NOT NULL CHECK (bucket IN ('minute', 'hour', 'day')),",
      "  start timestamptz NOT NULL,",
      "  count bigint NOT NULL,",
      "  value_sum double precision NOT NULL,",
      "  PRIMARY KEY (campaign, bucket, start, variant, type)",
      ") PARTITION BY RANGE (start);",
      "CREATE TABLE IF NOT EXISTS ", n.meta, " (",
      "  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),",
      "  rollups text NOT NULL,",
      "  covered_to timestamptz NOT NULL DEFAULT 'epoch',",
      "  refreshed_at timestamptz NOT NULL DEFAULT 'epoch');",
      "INSERT INTO ", n.meta, " (rollups) VALUES ('", Sv(RollupModeName(mode)),
      "') ON CONFLICT DO NOTHING;",
      "COMMIT;");
  if (absl::Status s = conn.ExecSimple(sql, "creating the aggregate tables"); !s.ok()) {
    (void)conn.ExecSimple("ROLLBACK", "rolling back");
    return s;
  }
  absl::StatusOr<PgResult> stored =
      conn.Exec(absl::StrCat("SELECT rollups FROM ", n.meta), {}, "reading the rollup mode");
  if (!stored.ok()) return stored.status();
  if (stored->rows() != 1 || stored->Get(0, 0) != RollupModeName(mode)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the event aggregates of schema '", n.schema, "' use rollups '",
        Sv(stored->rows() == 1 ? stored->Get(0, 0) : std::string_view("?")), "', not '",
        Sv(RollupModeName(mode)), "': every node of a schema must use the same RollupMode"));
  }
  // The view only once the mode is known to be this one: a node started
  // with the wrong mode leaves nothing behind.
  if (mode == RollupMode::kMaterialized) {
    if (absl::Status s = conn.ExecSimple(view_sql, "creating the rollups view"); !s.ok()) {
      (void)conn.ExecSimple("ROLLBACK", "rolling back");
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace marquee::postgres::internal
