// Two PostgresAggregateStores on one schema (two nodes) adding to the same
// aggregates at once, directly and through an EventIngestor each: the sums
// are exact, with no compare-and-set and no retries needed.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/civil_time.h"
#include "marquee/campaign/event_stats.h"
#include "marquee/campaign/events.h"
#include "marquee/clock.h"
#include "marquee/postgres/postgres_aggregate_store.h"
#include "postgres/aggregate_fixture.h"

namespace marquee::postgres {
namespace {

using campaign::AggregateRow;
using campaign::Bucket;
using campaign::EventType;
using test_support::AggregateSchema;

const absl::Time kNow =
    absl::FromCivil(absl::CivilMinute(2031, 5, 31, 23, 50), absl::UTCTimeZone());

TEST_SUITE("concurrent") {
  TEST_CASE("two aggregate stores adding the same aggregates at once count exactly") {
    ManualClock clock(kNow);
    AggregateSchema schema;
    std::vector<PostgresAggregateStore*> nodes;
    for (int i = 0; i < 2; ++i) {
      // partitions_ahead 0: June is made on demand by whichever node needs it first.
      nodes.push_back(&schema.Open({.pool_size = 3, .partitions_ahead = 0,
                                    .maintenance_interval = absl::ZeroDuration(),
                                    .clock = &clock}));
    }
    // 24 aggregates: 2 variants x 2 types x 2 minutes (either side of the
    // month's last midnight, so two partitions) x minute, hour and day.
    std::vector<AggregateRow> batch;
    for (const std::string variant : {"a", "b"}) {
      for (EventType type : {EventType::kImpression, EventType::kClick}) {
        for (absl::Time t : {kNow + absl::Minutes(5), kNow + absl::Minutes(15)}) {
          for (Bucket bucket : {Bucket::kMinute, Bucket::kHour, Bucket::kDay}) {
            batch.push_back(
                {.key = {.campaign = "race", .variant = variant, .type = type, .bucket = bucket,
                         .start = absl::ToUnixSeconds(campaign::BucketStart(t, bucket))},
                 .totals = {.count = 1, .value_sum = 0.5}});
          }
        }
      }
    }
    constexpr int kThreadsPerNode = 3;
    constexpr int kAddsPerThread = 40;
    std::vector<std::thread> threads;
    std::vector<std::string> errors(2 * kThreadsPerNode);
    for (int n = 0; n < 2; ++n) {
      for (int t = 0; t < kThreadsPerNode; ++t) {
        threads.emplace_back([&, n, t] {
          for (int i = 0; i < kAddsPerThread; ++i) {
            // Each thread walks the batch from another starting point.
            std::vector<AggregateRow> rotated(batch.begin() + (i + t) % batch.size(), batch.end());
            rotated.insert(rotated.end(), batch.begin(), batch.begin() + (i + t) % batch.size());
            absl::StatusOr<campaign::AggregateAddResult> added = nodes[n]->Add(rotated);
            if (!added.ok()) {
              errors[n * kThreadsPerNode + t] = added.status().ToString();
              return;
            }
          }
        });
      }
    }
    for (std::thread& thread : threads) thread.join();
    for (const std::string& error : errors) CHECK_MESSAGE(error.empty(), error);
    const int64_t expected = 2 * kThreadsPerNode * kAddsPerThread;
    for (Bucket bucket : {Bucket::kMinute, Bucket::kHour, Bucket::kDay}) {
      absl::StatusOr<std::vector<AggregateRow>> rows = nodes[0]->Read(
          "race", bucket, kNow - absl::Hours(24), kNow + absl::Hours(48));
      REQUIRE(rows.ok());
      CHECK(rows->size() == 8u);
      for (const AggregateRow& row : *rows) {
        CHECK(row.totals.count == expected);
        CHECK(row.totals.value_sum == doctest::Approx(0.5 * static_cast<double>(expected)));
      }
    }
    CHECK(schema.Partitions().size() == 2);
  }

  TEST_CASE("two ingestors on two aggregate stores give exact Stats") {
    ManualClock clock(kNow);
    AggregateSchema schema;
    std::vector<std::unique_ptr<campaign::EventIngestor>> ingestors;
    for (int i = 0; i < 2; ++i) {
      PostgresAggregateStore& node =
          schema.Open({.maintenance_interval = absl::ZeroDuration(), .clock = &clock});
      absl::StatusOr<std::unique_ptr<campaign::EventIngestor>> ingestor =
          campaign::EventIngestor::Open(nullptr, {.clock = &clock,
                                                  .flush_interval = absl::Milliseconds(2),
                                                  .max_records_per_write = 7,
                                                  .aggregates = &node});
      REQUIRE(ingestor.ok());
      ingestors.push_back(*std::move(ingestor));
    }
    constexpr int kBatches = 60;
    std::vector<std::thread> threads;
    std::vector<std::string> errors(4);
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kBatches; ++i) {
          std::vector<campaign::Event> batch;
          for (int k = 0; k < 10; ++k) {
            batch.push_back({.type = k % 3 == 0 ? EventType::kConversion : EventType::kImpression,
                             .campaign = "race",
                             .variant = k % 2 == 0 ? "control" : "b",
                             .time = kNow - absl::Minutes(k * 7),
                             .value = 1});
          }
          absl::Status s = ingestors[t % 2]->Ingest(batch);
          if (!s.ok()) errors[t] = s.ToString();
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (const std::string& error : errors) CHECK_MESSAGE(error.empty(), error);
    for (auto& ingestor : ingestors) REQUIRE(ingestor->Flush().ok());
    for (Bucket bucket : {Bucket::kMinute, Bucket::kHour, Bucket::kDay}) {
      absl::StatusOr<campaign::CampaignStats> stats = campaign::Stats(
          *schema.nodes[1], "race", kNow - absl::Hours(24), kNow + absl::Minutes(1), bucket);
      REQUIRE(stats.ok());
      REQUIRE(stats->variants.size() == 2);
      int64_t total = 0;
      for (const auto& v : stats->variants) {
        for (const auto& t : v.totals) total += t.count;
      }
      CHECK(total == 4 * kBatches * 10);
    }
  }
}

}  // namespace
}  // namespace marquee::postgres
