// aggregate_stats_bench: what the rollups view buys a Stats query on
// PostgreSQL (docs/benchmarks.md, "Stats on PostgreSQL").
//
//   tests/postgres/with_postgres.sh build/default/bench/aggregate_stats_bench [campaigns]
//
// Loads 30 days of minute aggregates (2 variants x 2 types per campaign, one
// row per minute: 172,800 rows per campaign) into two schemas, one per
// RollupMode, then times campaign::Stats of one campaign over the 30 days
// in day and hour buckets: kWritten reading day/hour rows the ingestor
// wrote, kMaterialized before any refresh (every minute rolled up live)
// and after RefreshRollups (the view), plus the refresh itself. Prints
// medians of 21 runs; the answers are checked equal. Then the write side:
// 100 rounds of 1,000 events of the current minute (200 campaigns x 2
// variants x 3 types) through an EventIngestor, each round flushed, into
// a fresh schema per mode: kWritten upserts minute, hour and day rows,
// kMaterialized minute rows only.
#include <libpq-fe.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "marquee/campaign/event_stats.h"
#include "marquee/campaign/events.h"
#include "marquee/clock.h"
#include "marquee/postgres/postgres_aggregate_store.h"

namespace {

using marquee::campaign::Bucket;
using marquee::postgres::PostgresAggregateStore;
using marquee::postgres::RollupMode;

absl::Time Utc(int y, int mo, int d) {
  return absl::FromCivil(absl::CivilDay(y, mo, d), absl::UTCTimeZone());
}

void Sql(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  PGresult* result = PQexec(conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::fprintf(stderr, "SQL failed: %s\n", PQerrorMessage(conn));
    std::exit(1);
  }
  PQclear(result);
  PQfinish(conn);
}

std::unique_ptr<PostgresAggregateStore> Open(const std::string& url, const std::string& schema,
                                             RollupMode mode, marquee::Clock* clock) {
  Sql(url, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  auto store = marquee::postgres::OpenPostgresAggregateStore(
      {.conninfo = url, .schema = schema, .rollups = mode, .partitions_ahead = 0,
       .maintenance_interval = absl::ZeroDuration(), .refresh_interval = absl::ZeroDuration(),
       .clock = clock});
  if (!store.ok()) {
    std::fprintf(stderr, "open %s: %s\n", schema.c_str(), store.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(store);
}

// Minute rows of `campaigns` campaigns over March 2031's first 30 days.
std::string LoadMinutes(const std::string& schema, int campaigns) {
  return absl::StrCat(
      "INSERT INTO ", schema, ".event_aggregates SELECT 'c' || c, v, t, 'minute', ",
      "to_timestamp(s), 1 + (s / 60 + c) % 5, ((s / 60) % 7) * 0.5 FROM generate_series(0, ",
      campaigns - 1, ") c, (VALUES ('control'), ('b')) vs(v), ",
      "(VALUES ('impression'), ('conversion')) ts(t), generate_series(",
      absl::ToUnixSeconds(Utc(2031, 3, 1)), ", ", absl::ToUnixSeconds(Utc(2031, 3, 31)) - 60,
      ", 60) s");
}

// What kWritten's ingestor would have added: the hours and days of the minutes.
std::string LoadRollups(const std::string& schema) {
  std::string sql;
  for (const char* unit : {"hour", "day"}) {
    absl::StrAppend(&sql, "INSERT INTO ", schema, ".event_aggregates SELECT campaign, variant, ",
                    "type, '", unit, "', date_trunc('", unit, "', start, 'UTC'), sum(count), ",
                    "sum(value_sum) FROM ", schema,
                    ".event_aggregates WHERE bucket = 'minute' GROUP BY 1, 2, 3, 4, 5;");
  }
  return absl::StrCat(sql, "ANALYZE ", schema, ".event_aggregates");
}

struct Timing {
  double median_ms = 0;
  marquee::campaign::CampaignStats stats;
};

Timing TimeStats(const PostgresAggregateStore& store, Bucket bucket) {
  std::vector<double> ms;
  Timing timing;
  for (int i = 0; i < 21; ++i) {
    const absl::Time start = absl::Now();
    auto stats = marquee::campaign::Stats(store, "c0", Utc(2031, 3, 1), Utc(2031, 3, 31), bucket);
    ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
    if (!stats.ok()) {
      std::fprintf(stderr, "Stats: %s\n", stats.status().ToString().c_str());
      std::exit(1);
    }
    timing.stats = *std::move(stats);
  }
  std::sort(ms.begin(), ms.end());
  timing.median_ms = ms[ms.size() / 2];
  return timing;
}

// Seconds to ingest and flush 100 rounds of 1,000 events, and the rows
// the table holds after.
std::pair<double, std::string> TimeIngest(const std::string& url, const std::string& schema,
                                          RollupMode mode) {
  marquee::ManualClock clock(Utc(2031, 3, 20) + absl::Seconds(30));
  auto store = Open(url, schema, mode, &clock);
  auto ingestor = marquee::campaign::EventIngestor::Open(
      nullptr, {.clock = &clock, .flush_interval = absl::Hours(1), .aggregates = store.get()});
  if (!ingestor.ok()) std::exit(1);
  const absl::Time start = absl::Now();
  for (int round = 0; round < 100; ++round) {
    std::vector<marquee::campaign::Event> batch;
    for (int i = 0; i < 1000; ++i) {
      const int k = (round * 1000 + i) * 7919;
      batch.push_back({.type = static_cast<marquee::campaign::EventType>(k % 3),
                       .campaign = absl::StrCat("c", k % 200),
                       .variant = k % 2 == 0 ? "control" : "b",
                       .time = clock.Now() - absl::Seconds(i % 30)});
    }
    if (!(*ingestor)->Ingest(batch).ok() || !(*ingestor)->Flush().ok()) {
      std::fprintf(stderr, "ingest failed\n");
      std::exit(1);
    }
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const uint64_t rows = (*ingestor)->stats().records_written;
  ingestor->reset();
  store.reset();
  Sql(url, "DROP SCHEMA " + schema + " CASCADE");
  return {seconds, absl::StrCat(rows)};
}

bool SameNumbers(const marquee::campaign::CampaignStats& a,
                 const marquee::campaign::CampaignStats& b) {
  if (a.variants.size() != b.variants.size()) return false;
  for (size_t i = 0; i < a.variants.size(); ++i) {
    if (a.variants[i].totals != b.variants[i].totals) return false;
    if (a.variants[i].series.size() != b.variants[i].series.size()) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("MARQUEE_TEST_POSTGRES_URL");
  if (env == nullptr) {
    std::fprintf(stderr, "run under tests/postgres/with_postgres.sh (MARQUEE_TEST_POSTGRES_URL)\n");
    return 2;
  }
  const std::string url = env;
  const int campaigns = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  marquee::ManualClock clock(Utc(2031, 3, 31));
  auto written = Open(url, "bench_agg_written", RollupMode::kWritten, &clock);
  auto materialized = Open(url, "bench_agg_materialized", RollupMode::kMaterialized, &clock);
  absl::Time start = absl::Now();
  Sql(url, LoadMinutes("bench_agg_written", campaigns) + ";" + LoadRollups("bench_agg_written"));
  Sql(url, LoadMinutes("bench_agg_materialized", campaigns) +
               "; ANALYZE bench_agg_materialized.event_aggregates");
  std::printf("loaded %d campaigns x 172,800 minute rows into each schema in %.1f s\n", campaigns,
              absl::ToDoubleSeconds(absl::Now() - start));

  std::printf("%-44s %12s %12s\n", "Stats of one campaign, 30 days", "day buckets", "hour buckets");
  const Timing written_day = TimeStats(*written, Bucket::kDay);
  const Timing written_hour = TimeStats(*written, Bucket::kHour);
  std::printf("%-44s %9.2f ms %9.2f ms\n", "kWritten: day/hour rows", written_day.median_ms,
              written_hour.median_ms);
  const Timing live_day = TimeStats(*materialized, Bucket::kDay);
  const Timing live_hour = TimeStats(*materialized, Bucket::kHour);
  std::printf("%-44s %9.2f ms %9.2f ms\n", "kMaterialized, no refresh: live roll-up",
              live_day.median_ms, live_hour.median_ms);
  start = absl::Now();
  auto refreshed = materialized->RefreshRollups();
  const double refresh_s = absl::ToDoubleSeconds(absl::Now() - start);
  if (!refreshed.ok() || !*refreshed) {
    std::fprintf(stderr, "refresh failed\n");
    return 1;
  }
  const Timing view_day = TimeStats(*materialized, Bucket::kDay);
  const Timing view_hour = TimeStats(*materialized, Bucket::kHour);
  std::printf("%-44s %9.2f ms %9.2f ms\n", "kMaterialized, refreshed: rollups view",
              view_day.median_ms, view_hour.median_ms);
  std::printf("REFRESH MATERIALIZED VIEW CONCURRENTLY over %d campaigns: %.2f s\n", campaigns,
              refresh_s);
  const bool same = SameNumbers(written_day.stats, live_day.stats) &&
                    SameNumbers(written_day.stats, view_day.stats) &&
                    SameNumbers(written_hour.stats, live_hour.stats) &&
                    SameNumbers(written_hour.stats, view_hour.stats);
  std::printf("answers equal: %s\n", same ? "yes" : "NO");
  for (RollupMode mode : {RollupMode::kWritten, RollupMode::kMaterialized}) {
    const auto [seconds, rows] = TimeIngest(url, "bench_agg_ingest", mode);
    std::printf("%-44s %9.2f s, %s rows upserted\n",
                mode == RollupMode::kWritten ? "ingest 100 x 1,000 events, kWritten"
                                             : "ingest 100 x 1,000 events, kMaterialized",
                seconds, rows.c_str());
  }
  std::fflush(stdout);
  written.reset();
  materialized.reset();
  Sql(url, "DROP SCHEMA bench_agg_written CASCADE; DROP SCHEMA bench_agg_materialized CASCADE");
  return same ? 0 : 1;
}
