// The AggregateStore seam (aggregate_store.h): the Store-records store adds
// atomically and merges repeated keys, an ingestor writes only the bucket
// sizes its store takes, and Stats reads an AggregateStore as it reads a
// Store.
#include "marquee/campaign/aggregate_store.h"

#include <doctest/doctest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/event_stats.h"
#include "marquee/campaign/events.h"
#include "marquee/clock.h"
#include "marquee/memory_store.h"

namespace marquee::campaign {
namespace {

// 2026-03-10T12:00:00Z.
const absl::Time kNoon = absl::FromUnixSeconds(1773144000);

std::unique_ptr<MemoryStore> OpenStore() {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore();
  REQUIRE(store.ok());
  REQUIRE(PrepareCampaignStore(**store).ok());
  return *std::move(store);
}

// Keeps what it is given in memory and takes minute rows only.
class MinuteOnlyAggregates final : public AggregateStore {
 public:
  absl::StatusOr<AggregateAddResult> Add(std::span<const AggregateRow> rows) override {
    std::lock_guard lock(mu_);
    rows_.insert(rows_.end(), rows.begin(), rows.end());
    return AggregateAddResult{};
  }
  absl::StatusOr<std::vector<AggregateRow>> Read(std::string_view, Bucket, absl::Time,
                                                 absl::Time) const override {
    std::lock_guard lock(mu_);
    return rows_;
  }
  bool TakesBucket(Bucket bucket) const override { return bucket == Bucket::kMinute; }
  std::vector<AggregateRow> rows() const {
    std::lock_guard lock(mu_);
    return rows_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<AggregateRow> rows_;
};

TEST_SUITE("campaign.aggregate_store") {
  TEST_CASE("the Store records store adds repeated keys and Stats reads it as it reads the Store") {
    auto store = OpenStore();
    absl::StatusOr<std::unique_ptr<AggregateStore>> aggregates =
        OpenStoreAggregateStore(store.get());
    REQUIRE(aggregates.ok());
    const AggregateKey key{.campaign = "spring",
                           .variant = "b",
                           .type = EventType::kClick,
                           .bucket = Bucket::kHour,
                           .start = absl::ToUnixSeconds(kNoon - absl::Hours(1))};
    const std::vector<AggregateRow> rows = {{.key = key, .totals = {.count = 2, .value_sum = 1}},
                                            {.key = key, .totals = {.count = 3, .value_sum = 2}}};
    REQUIRE((*aggregates)->Add(rows).ok());
    REQUIRE((*aggregates)->Add(rows).ok());
    absl::StatusOr<std::vector<AggregateRow>> read =
        (*aggregates)->Read("spring", Bucket::kHour, kNoon - absl::Hours(2), kNoon);
    REQUIRE(read.ok());
    REQUIRE(read->size() == 1);
    CHECK(read->front().totals == EventTotals{.count = 10, .value_sum = 6});
    absl::StatusOr<CampaignStats> from_store =
        Stats(*store, "spring", kNoon - absl::Hours(2), kNoon, Bucket::kHour);
    absl::StatusOr<CampaignStats> from_aggregates =
        Stats(**aggregates, "spring", kNoon - absl::Hours(2), kNoon, Bucket::kHour);
    REQUIRE(from_store.ok());
    REQUIRE(from_aggregates.ok());
    REQUIRE(from_aggregates->variants.size() == 1);
    CHECK(from_aggregates->variants[0].totals == from_store->variants[0].totals);
    CHECK(from_aggregates->records_read == 1);
  }

  TEST_CASE("an ingestor sends only the bucket sizes its aggregate store takes") {
    MinuteOnlyAggregates aggregates;
    ManualClock clock(kNoon);
    absl::StatusOr<std::unique_ptr<EventIngestor>> ingestor =
        EventIngestor::Open(nullptr, {.clock = &clock, .aggregates = &aggregates});
    REQUIRE(ingestor.ok());
    const std::vector<Event> events = {
        {.type = EventType::kImpression, .campaign = "c", .variant = "v", .time = kNoon},
        {.type = EventType::kImpression, .campaign = "c", .variant = "v", .time = kNoon}};
    REQUIRE((*ingestor)->Ingest(events).ok());
    REQUIRE((*ingestor)->Flush().ok());
    const std::vector<AggregateRow> rows = aggregates.rows();
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].key.bucket == Bucket::kMinute);
    CHECK(rows[0].totals.count == 2);
    CHECK((*ingestor)->stats().records_written == 1);
  }

  TEST_CASE("OpenStoreAggregateStore rejects a null store and bad options naming them") {
    CHECK(absl::IsInvalidArgument(OpenStoreAggregateStore(nullptr).status()));
    auto store = OpenStore();
    absl::Status s = OpenStoreAggregateStore(store.get(), {.max_write_attempts = 0}).status();
    CHECK(absl::IsInvalidArgument(s));
    CHECK(std::string(s.message()).find("max_write_attempts") != std::string::npos);
  }
}

}  // namespace
}  // namespace marquee::campaign
