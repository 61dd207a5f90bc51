// PostgresAggregateStore: opening, Add, Read and the background timers
// (postgres_aggregate_store.h). The tables are aggregate_schema.h's, the
// statements aggregate_queries.h's, partition upkeep aggregate_partitions.cc.
#include "marquee/postgres/postgres_aggregate_store.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "marquee/status.h"
#include "postgres/aggregate_queries.h"
#include "postgres/postgres_aggregate_store_impl.h"
#include "postgres/schema.h"

namespace marquee::postgres {

absl::StatusOr<std::unique_ptr<PostgresAggregateStore>> OpenPostgresAggregateStore(
    const PostgresAggregateStoreOptions& options) {
  auto store = std::make_unique<internal::PostgresAggregateStoreImpl>(options);
  MARQUEE_RETURN_IF_ERROR(store->Open());
  return std::unique_ptr<PostgresAggregateStore>(std::move(store));
}

}  // namespace marquee::postgres

namespace marquee::postgres::internal {

using campaign::AggregateAddResult;
using campaign::AggregateRow;
using campaign::Bucket;
using marquee::internal::Sv;

namespace {

// Attempts of one Add that PostgreSQL aborted (a deadlock it detected, a
// serialization failure); sorted rows make them rare.
constexpr int kAddAttempts = 3;

absl::Status ValidateOptions(const PostgresAggregateStoreOptions& o) {
  if (absl::Status s = ValidateConninfo(o.conninfo); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("conninfo: ", s.message()));
  }
  if (absl::Status s = ValidateSchemaName(o.schema); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("schema: ", s.message()));
  }
  if (o.pool_size < 1 || o.pool_size > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("pool_size: ", o.pool_size, " is outside 1..64"));
  }
  if (o.connect_timeout <= absl::ZeroDuration() || o.acquire_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("connect_timeout, acquire_timeout: must be positive");
  }
  if (o.statement_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("statement_timeout: must not be negative");
  }
  if (o.rollups != RollupMode::kWritten && o.rollups != RollupMode::kMaterialized) {
    return absl::InvalidArgumentError("rollups: not a RollupMode");
  }
  if (o.partitions_ahead < 0 || o.partitions_ahead > 24) {
    return absl::InvalidArgumentError(
        absl::StrCat("partitions_ahead: ", o.partitions_ahead, " is outside 0..24"));
  }
  if (o.retention != absl::ZeroDuration() &&
      (o.retention < absl::Hours(24 * 31) || o.retention == absl::InfiniteDuration())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "retention: ", absl::FormatDuration(o.retention),
        " must be 0 (keep everything) or at least 31 days and finite"));
  }
  if (o.maintenance_interval < absl::ZeroDuration() ||
      o.maintenance_interval == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError("maintenance_interval: must be 0 or positive and finite");
  }
  if (o.refresh_interval < absl::ZeroDuration() || o.refresh_interval == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError("refresh_interval: must be 0 or positive and finite");
  }
  return absl::OkStatus();
}

ConnectSettings SettingsOf(const PostgresAggregateStoreOptions& o) {
  return ConnectSettings{.conninfo = o.conninfo,
                         .connect_timeout = o.connect_timeout,
                         .statement_timeout = o.statement_timeout,
                         .application_name = absl::StrCat("marquee/aggregates ", o.schema)};
}

// The whole seconds s with s >= t, clamped to the range the tables hold
// (plus one past its end, for exclusive bounds).
int64_t CeilSeconds(absl::Time t) {
  if (t <= absl::FromUnixSeconds(kFirstAggregateSecond)) return kFirstAggregateSecond;
  if (t > absl::FromUnixSeconds(kLastAggregateSecond)) return kLastAggregateSecond + 1;
  const int64_t floor = absl::ToUnixSeconds(t);
  return absl::FromUnixSeconds(floor) < t ? floor + 1 : floor;
}

}  // namespace

PostgresAggregateStoreImpl::PostgresAggregateStoreImpl(const PostgresAggregateStoreOptions& options)
    : options_(options),
      clock_(options.clock != nullptr ? options.clock : Clock::Real()),
      names_(options.schema),
      pool_(SettingsOf(options), options.pool_size, options.acquire_timeout),
      add_sql_(AddSql(names_)),
      read_rows_sql_(ReadRowsSql(names_)),
      read_rollups_sql_(ReadRollupsSql(names_)) {}

PostgresAggregateStoreImpl::~PostgresAggregateStoreImpl() {
  {
    std::lock_guard lock(timer_mu_);
    stopping_ = true;
  }
  timer_cv_.notify_all();
  if (timer_thread_.joinable()) timer_thread_.join();
}

absl::Status PostgresAggregateStoreImpl::Open() {
  MARQUEE_RETURN_IF_ERROR(ValidateOptions(options_));
  absl::StatusOr<bool> created = pool_.Run([&](Connection& conn, bool*) -> absl::StatusOr<bool> {
    const int server = PQserverVersion(conn.raw());
    if (server < 150000) {
      return absl::FailedPreconditionError(absl::StrCat(
          "PostgresAggregateStore needs PostgreSQL 15 or later; the server is version ",
          server / 10000));
    }
    MARQUEE_RETURN_IF_ERROR(CreateAggregateTables(conn, names_, options_.rollups));
    return true;
  });
  if (!created.ok()) return created.status();
  MARQUEE_RETURN_IF_ERROR(Maintain().status());
  if (options_.maintenance_interval > absl::ZeroDuration() ||
      (options_.rollups == RollupMode::kMaterialized &&
       options_.refresh_interval > absl::ZeroDuration())) {
    timer_thread_ = std::thread([this] { TimerLoop(); });
  }
  return absl::OkStatus();
}

bool PostgresAggregateStoreImpl::TakesBucket(Bucket bucket) const {
  return options_.rollups == RollupMode::kWritten || bucket == Bucket::kMinute;
}

absl::StatusOr<AggregateAddResult> PostgresAggregateStoreImpl::Add(
    std::span<const AggregateRow> rows) {
  AggregateAddResult result;
  if (rows.empty()) return result;
  MARQUEE_ASSIGN_OR_RETURN(std::vector<AggregateRow> merged, MergedSortedRows(rows));
  MARQUEE_ASSIGN_OR_RETURN(std::string json, RowsJson(merged));
  std::vector<int64_t> months;
  for (const AggregateRow& row : merged) months.push_back(MonthIndexOf(row.key.start));
  std::sort(months.begin(), months.end());
  months.erase(std::unique(months.begin(), months.end()), months.end());
  absl::Status last;
  for (int attempt = 0; attempt < kAddAttempts; ++attempt) {
    MARQUEE_RETURN_IF_ERROR(EnsurePartitions(months));
    absl::StatusOr<PgResult> added = pool_.Run([&](Connection& conn, bool* retry_safe) {
      // The statement is its own transaction: it either added everything
      // or nothing, so after a lost connection it must not be repeated
      // blindly (it may have committed).
      *retry_safe = false;
      return conn.Exec(add_sql_, {Param::Text(json)}, "adding event aggregates");
    });
    if (added.ok()) return result;
    last = added.status();
    if (absl::IsAborted(last)) {
      ++result.conflicts;
      continue;
    }
    if (absl::IsInternal(last)) {
      // Most likely a month another node's retention dropped since this
      // node created it: forget what this node knows and create it again.
      ForgetPartitions();
      continue;
    }
    return last;
  }
  return last;
}

absl::StatusOr<std::vector<AggregateRow>> PostgresAggregateStoreImpl::Read(
    std::string_view campaign_name, Bucket bucket, absl::Time from, absl::Time to) const {
  campaign::Event probe{.campaign = std::string(campaign_name), .variant = "v",
                        .time = absl::UnixEpoch()};
  if (absl::Status s = campaign::ValidateEvent(probe); !s.ok()) return s;
  if (static_cast<size_t>(bucket) >= campaign::kBucketCount) {
    return absl::InvalidArgumentError("bucket: not a Bucket");
  }
  // Starts are whole seconds: start >= from and start < to hold exactly
  // when they hold for the seconds rounded up.
  const int64_t lower = CeilSeconds(from);
  const int64_t upper = CeilSeconds(to);
  if (lower >= upper) return std::vector<AggregateRow>();
  const std::string bucket_name(campaign::BucketName(bucket));
  const std::string lower_text = std::to_string(lower);
  const std::string upper_text = std::to_string(upper);
  const bool rollup = !TakesBucket(bucket);
  // The live roll-up reads the minutes of every bucket that starts before
  // `upper`: up to the first bucket boundary at or after it.
  const int64_t size = campaign::BucketSeconds(bucket);
  const std::string minutes_end_text = std::to_string((upper + size - 1) / size * size);
  absl::StatusOr<PgResult> result = pool_.Run([&](Connection& conn, bool*) {
    if (rollup) {
      return conn.Exec(read_rollups_sql_,
                       {Param::Text(campaign_name), Param::Text(bucket_name),
                        Param::Text(lower_text), Param::Text(upper_text),
                        Param::Text(minutes_end_text)},
                       "reading event rollups");
    }
    return conn.Exec(read_rows_sql_,
                     {Param::Text(campaign_name), Param::Text(bucket_name),
                      Param::Text(lower_text), Param::Text(upper_text)},
                     "reading event aggregates");
  });
  if (!result.ok()) return result.status();
  return RowsOfResult(*result, campaign_name, bucket);
}

absl::StatusOr<bool> PostgresAggregateStoreImpl::RefreshRollups() {
  return RefreshRollupsUnlessFresh(absl::ZeroDuration());
}

absl::StatusOr<bool> PostgresAggregateStoreImpl::RefreshRollupsUnlessFresh(
    absl::Duration min_age) {
  if (options_.rollups != RollupMode::kMaterialized) {
    return absl::FailedPreconditionError(
        "RefreshRollups: the aggregates use RollupMode::kWritten, which has no rollups view");
  }
  // Every minute before the current one: a minute still being written is
  // left to the live roll-up.
  const absl::Time now = clock_->Now();
  const std::string covered_to =
      std::to_string(absl::ToUnixSeconds(campaign::BucketStart(now, Bucket::kMinute)));
  const std::string now_micros = std::to_string(absl::ToUnixMicros(now));
  // -1: refresh whenever the last one was (clocks of nodes may disagree).
  const std::string fresh_after =
      min_age > absl::ZeroDuration() ? std::to_string(absl::ToUnixMicros(now - min_age)) : "-1";
  return pool_.Run([&](Connection& conn, bool*) -> absl::StatusOr<bool> {
    MARQUEE_RETURN_IF_ERROR(conn.ExecSimple("BEGIN", "starting a rollups refresh"));
    auto fail = [&](absl::Status s) -> absl::StatusOr<bool> {
      (void)conn.ExecSimple("ROLLBACK", "rolling back");
      return s;
    };
    // A transaction lock: released by COMMIT, ROLLBACK or a lost session.
    absl::StatusOr<PgResult> locked = conn.Exec(
        absl::StrCat("SELECT pg_try_advisory_xact_lock(", names_.refresh_lock_key, ")"), {},
        "taking the rollups refresh lock");
    if (!locked.ok()) return fail(locked.status());
    if (locked->Get(0, 0) != "t") {
      (void)conn.ExecSimple("ROLLBACK", "rolling back");
      return false;
    }
    // Moves coverage unless another node refreshed after `fresh_after`.
    absl::StatusOr<PgResult> moved = conn.Exec(
        absl::StrCat("UPDATE ", names_.meta,
                     " SET covered_to = greatest(covered_to, to_timestamp($1::bigint)), ",
                     "refreshed_at = to_timestamp($2::bigint / 1e6) ",
                     "WHERE $3::bigint < 0 OR refreshed_at <= to_timestamp($3::bigint / 1e6) ",
                     "RETURNING 1"),
        {Param::Text(covered_to), Param::Text(now_micros), Param::Text(fresh_after)},
        "moving the rollups' coverage");
    if (!moved.ok()) return fail(moved.status());
    if (moved->rows() == 0) {
      (void)conn.ExecSimple("ROLLBACK", "rolling back");
      return false;
    }
    if (absl::Status s = conn.ExecSimple(
            absl::StrCat("REFRESH MATERIALIZED VIEW CONCURRENTLY ", names_.rollups),
            "refreshing the rollups view");
        !s.ok()) {
      return fail(s);
    }
    if (absl::Status s = conn.ExecSimple("COMMIT", "committing the rollups refresh"); !s.ok()) {
      return fail(s);
    }
    return true;
  });
}

void PostgresAggregateStoreImpl::TimerLoop() {
  using SteadyClock = std::chrono::steady_clock;
  const bool maintains = options_.maintenance_interval > absl::ZeroDuration();
  const bool refreshes = options_.rollups == RollupMode::kMaterialized &&
                         options_.refresh_interval > absl::ZeroDuration();
  auto next_maintenance =
      SteadyClock::now() + absl::ToChronoMilliseconds(options_.maintenance_interval);
  auto next_refresh = SteadyClock::now() + absl::ToChronoMilliseconds(options_.refresh_interval);
  std::unique_lock lock(timer_mu_);
  while (!stopping_) {
    auto wake = SteadyClock::time_point::max();
    if (maintains) wake = std::min(wake, next_maintenance);
    if (refreshes) wake = std::min(wake, next_refresh);
    timer_cv_.wait_until(lock, wake, [&] { return stopping_; });
    if (stopping_) return;
    const auto now = SteadyClock::now();
    lock.unlock();
    // A failure (the database is down) is retried at the next interval.
    if (maintains && now >= next_maintenance) {
      (void)Maintain();
      next_maintenance = now + absl::ToChronoMilliseconds(options_.maintenance_interval);
    }
    if (refreshes && now >= next_refresh) {
      // Another node's refresh within most of an interval counts as this one's.
      (void)RefreshRollupsUnlessFresh(options_.refresh_interval * 0.9);
      next_refresh = now + absl::ToChronoMilliseconds(options_.refresh_interval);
    }
    lock.lock();
  }
}

}  // namespace marquee::postgres::internal
