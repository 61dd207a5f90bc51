// PostgresAggregateStore against a real PostgreSQL 15: Stats read from it
// equal Stats read from a Store's records for the same random events (both
// rollup modes), partitions made on demand across a month boundary,
// retention by dropping months, the rollups view before and after a
// refresh (late events), partition pruning in the plan, names that look
// like SQL, bad options and rows.
#include "marquee/postgres/postgres_aggregate_store.h"

#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/event_stats.h"
#include "marquee/campaign/events.h"
#include "marquee/clock.h"
#include "marquee/memory_store.h"
#include "postgres/aggregate_fixture.h"
#include "support/postgres_database.h"

namespace marquee::postgres {
namespace {

using campaign::AggregateRow;
using campaign::Bucket;
using campaign::CampaignStats;
using campaign::Event;
using campaign::EventIngestor;
using campaign::EventType;
using test_support::AggregateSchema;
using test_support::CheckSameStats;

absl::Time Utc(int y, int mo, int d, int h = 0, int mi = 0) {
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), absl::UTCTimeZone());
}

template <typename Text>
bool Contains(const Text& haystack, std::string_view needle) {
  return std::string_view(haystack.data(), haystack.size()).find(needle) != std::string_view::npos;
}

std::unique_ptr<MemoryStore> OpenRecordsStore() {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore();
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  REQUIRE(campaign::PrepareCampaignStore(**store).ok());
  return *std::move(store);
}

// `n` random events of 2 campaigns x 3 variants x 4 types over the `days`
// before `now`; values are quarters, so sums are exact in any order.
std::vector<Event> RandomEvents(std::mt19937& rng, absl::Time now, int days, int n) {
  std::uniform_int_distribution<int> pick(0, 1'000'000);
  const std::vector<std::string> campaigns = {"spring", "summer"};
  const std::vector<std::string> variants = {"control", "b", "c"};
  std::vector<Event> events;
  for (int i = 0; i < n; ++i) {
    events.push_back({.type = static_cast<EventType>(pick(rng) % 4),
                      .campaign = campaigns[pick(rng) % 2],
                      .variant = variants[pick(rng) % 3],
                      .user = "u",
                      .time = now - absl::Seconds(pick(rng) % (days * 86400)),
                      .value = (pick(rng) % 40) * 0.25});
  }
  return events;
}

void Ingest(Store* store, campaign::AggregateStore* aggregates, Clock* clock,
            const std::vector<Event>& events) {
  absl::StatusOr<std::unique_ptr<EventIngestor>> ingestor =
      EventIngestor::Open(store, {.clock = clock, .aggregates = aggregates});
  REQUIRE_MESSAGE(ingestor.ok(), ingestor.status().ToString());
  REQUIRE((*ingestor)->Ingest(events).ok());
  absl::Status flushed = (*ingestor)->Flush();
  REQUIRE_MESSAGE(flushed.ok(), flushed.ToString());
}

// Stats of every campaign, bucket size and a few ranges agree.
void CheckStatsAgree(const Store& records, const campaign::AggregateStore& aggregates,
                     absl::Time now, int days) {
  const std::vector<std::pair<absl::Time, absl::Time>> ranges = {
      {now - absl::Hours(24 * days), now + absl::Minutes(1)},
      {now - absl::Hours(30), now - absl::Hours(5) + absl::Seconds(17)},
      {now - absl::Minutes(90), now}};
  for (const std::string campaign_name : {"spring", "summer", "absent"}) {
    for (Bucket bucket : {Bucket::kMinute, Bucket::kHour, Bucket::kDay}) {
      for (const auto& [from, to] : ranges) {
        CAPTURE(campaign_name);
        CAPTURE(campaign::BucketName(bucket));
        absl::StatusOr<CampaignStats> want =
            campaign::Stats(records, campaign_name, from, to, bucket, {.max_buckets = 100'000});
        absl::StatusOr<CampaignStats> got =
            campaign::Stats(aggregates, campaign_name, from, to, bucket, {.max_buckets = 100'000});
        REQUIRE_MESSAGE(want.ok(), want.status().ToString());
        REQUIRE_MESSAGE(got.ok(), got.status().ToString());
        CheckSameStats(*got, *want);
      }
    }
  }
}

TEST_SUITE("postgres.aggregates") {
  TEST_CASE("Stats on PostgreSQL equal Stats on Store records for the same random events") {
    const absl::Time now = campaign::BucketStart(absl::Now(), Bucket::kMinute) + absl::Seconds(31);
    ManualClock clock(now);
    std::mt19937 rng(20261201);
    const std::vector<Event> first = RandomEvents(rng, now, 3, 3000);
    const std::vector<Event> second = RandomEvents(rng, now, 3, 2000);
    for (RollupMode mode : {RollupMode::kWritten, RollupMode::kMaterialized}) {
      CAPTURE(static_cast<int>(mode));
      auto records = OpenRecordsStore();
      Ingest(records.get(), nullptr, &clock, first);
      AggregateSchema schema;
      PostgresAggregateStore& aggregates = schema.Open(
          {.rollups = mode, .maintenance_interval = absl::ZeroDuration(),
           .refresh_interval = absl::ZeroDuration(), .clock = &clock});
      Ingest(nullptr, &aggregates, &clock, first);
      CheckStatsAgree(*records, aggregates, now, 3);  // kMaterialized: all live
      if (mode == RollupMode::kMaterialized) {
        // After a refresh the view serves everything but the current minute.
        absl::StatusOr<bool> refreshed = aggregates.RefreshRollups();
        REQUIRE_MESSAGE(refreshed.ok(), refreshed.status().ToString());
        CHECK(*refreshed);
        CHECK(test::Sql(schema.url, "SELECT count(*) > 0 FROM " + schema.schema +
                                        ".event_rollups") == std::vector<std::string>{"t"});
      }
      Ingest(records.get(), nullptr, &clock, second);
      Ingest(nullptr, &aggregates, &clock, second);
      if (mode == RollupMode::kMaterialized) {
        // The second batch holds minutes the refresh covered: not shown in
        // hour and day reads until the next refresh.
        REQUIRE(aggregates.RefreshRollups().ok());
      }
      CheckStatsAgree(*records, aggregates, now, 3);
    }
  }

  TEST_CASE("partitions are created ahead and on demand across a month boundary") {
    ManualClock clock(Utc(2031, 1, 31, 23, 58));
    AggregateSchema schema;
    PostgresAggregateStore& aggregates =
        schema.Open({.partitions_ahead = 0, .maintenance_interval = absl::ZeroDuration(),
                     .clock = &clock});
    CHECK(schema.Partitions() == std::vector<std::string>{"event_aggregates_p2031_01"});
    std::vector<Event> events;
    for (absl::Time t : {Utc(2031, 1, 31, 23, 59), Utc(2031, 2, 1, 0, 0)}) {
      events.push_back({.type = EventType::kClick, .campaign = "c", .variant = "v", .time = t});
    }
    Ingest(nullptr, &aggregates, &clock, events);
    CHECK(schema.Partitions() ==
          std::vector<std::string>{"event_aggregates_p2031_01", "event_aggregates_p2031_02"});
    absl::StatusOr<CampaignStats> stats =
        campaign::Stats(aggregates, "c", Utc(2031, 1, 31), Utc(2031, 2, 2), Bucket::kDay);
    REQUIRE(stats.ok());
    REQUIRE(stats->variants.size() == 1);
    REQUIRE(stats->variants[0].series.size() == 2);
    CHECK(stats->variants[0].series[0].start == Utc(2031, 1, 31));
    CHECK(stats->variants[0].series[1].start == Utc(2031, 2, 1));
    // A second node knows nothing of February: its Add finds it made.
    PostgresAggregateStore& other = schema.Open(
        {.partitions_ahead = 0, .maintenance_interval = absl::ZeroDuration(), .clock = &clock});
    Ingest(nullptr, &other, &clock, events);
    absl::StatusOr<AggregateMaintenance> maintained = other.Maintain();
    REQUIRE(maintained.ok());
    CHECK(maintained->partitions_created == 0);
    stats = campaign::Stats(aggregates, "c", Utc(2031, 1, 31), Utc(2031, 2, 2), Bucket::kMinute);
    REQUIRE(stats.ok());
    CHECK(stats->variants[0].totals[static_cast<size_t>(EventType::kClick)].count == 4);
  }

  TEST_CASE("retention drops whole months and Stats then shows nothing for them") {
    for (RollupMode mode : {RollupMode::kWritten, RollupMode::kMaterialized}) {
      CAPTURE(static_cast<int>(mode));
      ManualClock clock(Utc(2030, 1, 15));
      AggregateSchema schema;
      PostgresAggregateStore& aggregates = schema.Open(
          {.rollups = mode, .partitions_ahead = 2, .retention = absl::Hours(24 * 62),
           .maintenance_interval = absl::ZeroDuration(), .refresh_interval = absl::ZeroDuration(),
           .clock = &clock});
      std::vector<AggregateRow> rows;
      for (absl::Time t : {Utc(2029, 10, 20, 8), Utc(2029, 12, 31, 23), Utc(2030, 1, 2, 5)}) {
        for (Bucket bucket : {Bucket::kMinute, Bucket::kHour, Bucket::kDay}) {
          if (!aggregates.TakesBucket(bucket)) continue;
          rows.push_back({.key = {.campaign = "c", .variant = "v", .type = EventType::kImpression,
                                  .bucket = bucket,
                                  .start = absl::ToUnixSeconds(campaign::BucketStart(t, bucket))},
                          .totals = {.count = 5, .value_sum = 1.5}});
        }
      }
      REQUIRE(aggregates.Add(rows).ok());
      if (mode == RollupMode::kMaterialized) REQUIRE(aggregates.RefreshRollups().ok());
      CHECK(schema.Partitions().size() == 5);  // Oct, Dec, Jan, Feb, Mar
      clock.Set(Utc(2030, 3, 10));  // the horizon is 2030-01-07
      absl::StatusOr<AggregateMaintenance> maintained = aggregates.Maintain();
      REQUIRE_MESSAGE(maintained.ok(), maintained.status().ToString());
      CHECK(maintained->partitions_dropped == 2);
      CHECK(maintained->partitions_created == 2);  // April, May
      CHECK(schema.Partitions() ==
            std::vector<std::string>{"event_aggregates_p2030_01", "event_aggregates_p2030_02",
                                     "event_aggregates_p2030_03", "event_aggregates_p2030_04",
                                     "event_aggregates_p2030_05"});
      for (Bucket bucket : {Bucket::kMinute, Bucket::kHour, Bucket::kDay}) {
        absl::StatusOr<CampaignStats> old = campaign::Stats(
            aggregates, "c", Utc(2029, 10, 1), Utc(2030, 1, 1), bucket, {.max_buckets = 200'000});
        REQUIRE(old.ok());
        CHECK(old->variants.empty());
        absl::StatusOr<CampaignStats> kept = campaign::Stats(
            aggregates, "c", Utc(2030, 1, 1), Utc(2030, 2, 1), bucket, {.max_buckets = 200'000});
        REQUIRE(kept.ok());
        REQUIRE(kept->variants.size() == 1);
        CHECK(kept->variants[0].totals[0].count == 5);
      }
    }
  }

  TEST_CASE("the rollups view matches the live roll-up and shows late events after a refresh") {
    const absl::Time now = Utc(2031, 6, 10, 12, 30);
    ManualClock clock(now);
    AggregateSchema materialized_schema;
    AggregateSchema written_schema;
    PostgresAggregateStore& materialized = materialized_schema.Open(
        {.rollups = RollupMode::kMaterialized, .maintenance_interval = absl::ZeroDuration(),
         .refresh_interval = absl::ZeroDuration(), .clock = &clock});
    PostgresAggregateStore& written = written_schema.Open(
        {.maintenance_interval = absl::ZeroDuration(), .clock = &clock});
    CHECK_FALSE(materialized.TakesBucket(Bucket::kHour));
    CHECK(written.TakesBucket(Bucket::kDay));
    std::mt19937 rng(7);
    const std::vector<Event> events = RandomEvents(rng, now, 2, 1500);
    Ingest(nullptr, &materialized, &clock, events);
    Ingest(nullptr, &written, &clock, events);
    const absl::Time from = now - absl::Hours(48);
    auto stats = [&](const campaign::AggregateStore& a, Bucket b) {
      absl::StatusOr<CampaignStats> s = campaign::Stats(a, "spring", from, now, b);
      REQUIRE_MESSAGE(s.ok(), s.status().ToString());
      return *s;
    };
    const CampaignStats live_hours = stats(materialized, Bucket::kHour);
    CheckSameStats(live_hours, stats(written, Bucket::kHour));
    REQUIRE(materialized.RefreshRollups().ok());
    const CampaignStats viewed_hours = stats(materialized, Bucket::kHour);
    CheckSameStats(viewed_hours, live_hours);
    CheckSameStats(stats(materialized, Bucket::kDay), stats(written, Bucket::kDay));
    // Served from the view, which now holds the hours.
    CHECK(test::Sql(materialized_schema.url,
                    "SELECT count(*) > 0 FROM " + materialized_schema.schema +
                        ".event_rollups WHERE campaign = 'spring' AND bucket = 'hour'") ==
          std::vector<std::string>{"t"});

    // A late event for a minute the refresh covered.
    const std::vector<Event> late = {{.type = EventType::kConversion, .campaign = "spring",
                                      .variant = "b", .time = now - absl::Hours(3), .value = 2}};
    Ingest(nullptr, &materialized, &clock, late);
    Ingest(nullptr, &written, &clock, late);
    CheckSameStats(stats(materialized, Bucket::kHour), viewed_hours);  // not yet
    CheckSameStats(stats(materialized, Bucket::kMinute), stats(written, Bucket::kMinute));
    REQUIRE(materialized.RefreshRollups().ok());
    CheckSameStats(stats(materialized, Bucket::kHour), stats(written, Bucket::kHour));
    CheckSameStats(stats(materialized, Bucket::kDay), stats(written, Bucket::kDay));
    // An event after the refresh in a new minute shows at once (live part).
    clock.Set(now + absl::Minutes(5));
    const std::vector<Event> fresh = {{.type = EventType::kImpression, .campaign = "spring",
                                       .variant = "c", .time = now + absl::Minutes(4)}};
    Ingest(nullptr, &materialized, &clock, fresh);
    Ingest(nullptr, &written, &clock, fresh);
    absl::StatusOr<CampaignStats> a =
        campaign::Stats(materialized, "spring", from, now + absl::Minutes(5), Bucket::kHour);
    absl::StatusOr<CampaignStats> b =
        campaign::Stats(written, "spring", from, now + absl::Minutes(5), Bucket::kHour);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CheckSameStats(*a, *b);
    CHECK(written.RefreshRollups().status().code() == absl::StatusCode::kFailedPrecondition);
  }

  TEST_CASE("the refresh timers of two nodes refresh the view") {
    AggregateSchema schema;
    for (int i = 0; i < 2; ++i) {
      schema.Open({.rollups = RollupMode::kMaterialized,
                   .maintenance_interval = absl::ZeroDuration(),
                   .refresh_interval = absl::Milliseconds(100)});
    }
    const std::string covered = "SELECT covered_to > 'epoch' AND refreshed_at > 'epoch' FROM " +
                                schema.schema + ".aggregate_meta";
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (test::Sql(schema.url, covered) != std::vector<std::string>{"t"}) {
      REQUIRE_MESSAGE(absl::Now() < deadline, "no node refreshed within 10 s");
      absl::SleepFor(absl::Milliseconds(20));
    }
  }

  TEST_CASE("a Stats read scans only the partitions of its range") {
    ManualClock clock(Utc(2031, 3, 15));
    AggregateSchema schema;
    PostgresAggregateStore& aggregates = schema.Open(
        {.partitions_ahead = 3, .maintenance_interval = absl::ZeroDuration(), .clock = &clock});
    REQUIRE(schema.Partitions().size() == 4);
    const std::string plan_sql = absl::StrCat(
        "EXPLAIN (COSTS OFF) SELECT variant, type, start, count, value_sum FROM ", schema.schema,
        ".event_aggregates WHERE campaign = 'c' AND bucket = 'day' AND start >= to_timestamp(",
        absl::ToUnixSeconds(Utc(2031, 4, 2)), ") AND start < to_timestamp(",
        absl::ToUnixSeconds(Utc(2031, 5, 1)), ")");
    const std::vector<std::string> plan = test::Sql(schema.url, plan_sql);
    std::string text;
    for (const std::string& line : plan) absl::StrAppend(&text, line, "\n");
    MESSAGE("EXPLAIN of a 29-day read:\n" << text);
    CHECK(Contains(text, "event_aggregates_p2031_04"));
    CHECK_FALSE(Contains(text, "event_aggregates_p2031_03"));
    CHECK_FALSE(Contains(text, "event_aggregates_p2031_05"));
    (void)aggregates;
  }

  TEST_CASE("names that look like SQL are data") {
    ManualClock clock(Utc(2031, 3, 15));
    AggregateSchema schema;
    PostgresAggregateStore& aggregates =
        schema.Open({.maintenance_interval = absl::ZeroDuration(), .clock = &clock});
    const std::string campaign_name = "x'); DROP TABLE event_aggregates; --\"";
    const std::vector<Event> events = {{.type = EventType::kClick, .campaign = campaign_name,
                                        .variant = "\\\" OR 1=1 {}[],", .time = Utc(2031, 3, 14)}};
    Ingest(nullptr, &aggregates, &clock, events);
    absl::StatusOr<CampaignStats> stats = campaign::Stats(
        aggregates, campaign_name, Utc(2031, 3, 14), Utc(2031, 3, 15), Bucket::kDay);
    REQUIRE(stats.ok());
    REQUIRE(stats->variants.size() == 1);
    CHECK(stats->variants[0].variant == "\\\" OR 1=1 {}[],");
    CHECK(schema.Partitions().size() == 3);
  }

  TEST_CASE("bad options and bad rows are InvalidArgument naming them") {
    const std::string url = test::PostgresUrl();
    const std::vector<std::pair<PostgresAggregateStoreOptions, std::string>> bad = {
        {{.conninfo = ""}, "conninfo"},
        {{.conninfo = url, .schema = "Bad-Name"}, "schema"},
        {{.conninfo = url, .pool_size = 0}, "pool_size"},
        {{.conninfo = url, .connect_timeout = absl::ZeroDuration()}, "connect_timeout"},
        {{.conninfo = url, .statement_timeout = -absl::Seconds(1)}, "statement_timeout"},
        {{.conninfo = url, .rollups = static_cast<RollupMode>(7)}, "rollups"},
        {{.conninfo = url, .partitions_ahead = 25}, "partitions_ahead"},
        {{.conninfo = url, .retention = absl::Hours(24)}, "retention"},
        {{.conninfo = url, .maintenance_interval = -absl::Seconds(1)}, "maintenance_interval"},
        {{.conninfo = url, .refresh_interval = absl::InfiniteDuration()}, "refresh_interval"},
    };
    for (const auto& [options, field] : bad) {
      absl::Status s = OpenPostgresAggregateStore(options).status();
      CHECK_MESSAGE(absl::IsInvalidArgument(s), field, " ", s.ToString());
      CHECK_MESSAGE(Contains(s.message(), field), s.message());
    }

    ManualClock clock(Utc(2031, 3, 15));
    AggregateSchema schema;
    PostgresAggregateStore& aggregates =
        schema.Open({.maintenance_interval = absl::ZeroDuration(), .clock = &clock});
    // Another node of the schema with the other mode is refused.
    absl::Status other = OpenPostgresAggregateStore({.conninfo = url, .schema = schema.schema,
                                                      .rollups = RollupMode::kMaterialized})
                             .status();
    CHECK(absl::IsFailedPrecondition(other));
    CHECK(Contains(other.message(), "RollupMode"));

    const int64_t day = absl::ToUnixSeconds(Utc(2031, 3, 14));
    auto row = [&](std::string campaign_name, int64_t start, double value) {
      return AggregateRow{.key = {.campaign = std::move(campaign_name), .variant = "v",
                                  .bucket = Bucket::kDay, .start = start},
                          .totals = {.count = 1, .value_sum = value}};
    };
    const std::vector<std::pair<AggregateRow, std::string>> bad_rows = {
        {row("a|b", day, 1), "campaign"},
        {row("", day, 1), "campaign"},
        {row("c", day + 60, 1), "start"},
        {row("c", -86400, 1), "start"},
        {row("c", day, std::nan("")), "value_sum"},
    };
    for (const auto& [bad_row, field] : bad_rows) {
      const std::vector<AggregateRow> batch = {row("fine", day, 1), bad_row};
      absl::StatusOr<campaign::AggregateAddResult> added = aggregates.Add(batch);
      CHECK_MESSAGE(absl::IsInvalidArgument(added.status()), field);
      CHECK_MESSAGE(Contains(added.status().message(), "rows[1]." + field),
                    added.status().message());
    }
    // All or nothing: the good rows of those batches were not added.
    absl::StatusOr<std::vector<AggregateRow>> read =
        aggregates.Read("fine", Bucket::kDay, Utc(2031, 3, 1), Utc(2031, 4, 1));
    REQUIRE(read.ok());
    CHECK(read->empty());
    CHECK(absl::IsInvalidArgument(
        aggregates.Read("a|b", Bucket::kDay, Utc(2031, 3, 1), Utc(2031, 4, 1)).status()));
    // Stats keeps its bounds on reads.
    absl::StatusOr<CampaignStats> too_long = campaign::Stats(
        aggregates, "fine", Utc(2020, 1, 1), Utc(2031, 1, 1), Bucket::kMinute);
    CHECK(absl::IsInvalidArgument(too_long.status()));
    CHECK(Contains(too_long.status().message(), "max_buckets"));
  }
}

}  // namespace
}  // namespace marquee::postgres
