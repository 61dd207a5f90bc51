// Event ingest throughput (docs/benchmarks.md, "Event ingest"): rows/s of
// EventIngestor::Ingest in batches of 1,000 events spread over 200
// campaigns x 2 variants x 3 types, until Flush has added every count to
// the minute, hour and day aggregate records of a MemoryStore that logs to a
// temporary directory with fsync every_second. The reference, in the same
// run: the same rows rolled into minute, hour and day counts in a plain
// absl::flat_hash_map on one thread (no queue, no store): the ceiling.
// Items are events (rows).
//
//   cmake --build <release-dir> --target event_ingest_bench
//   <release-dir>/bench/event_ingest_bench --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "marquee/campaign/collections.h"
#include "marquee/campaign/events.h"
#include "marquee/memory_store.h"

namespace {

using marquee::campaign::Event;
using marquee::campaign::EventIngestor;
using marquee::campaign::EventType;

constexpr int kBatchSize = 1'000;
constexpr int kBatches = 200;  // 200,000 events per iteration

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "event_ingest_bench: %s\n", what.c_str());
  std::exit(1);
}

// 200 campaigns x 2 variants x 3 types (impressions most, conversions
// least), times spread over the last 10 minutes.
std::vector<std::vector<Event>> MakeBatches(absl::Time now) {
  std::mt19937 rng(42);
  std::vector<std::vector<Event>> batches(kBatches);
  for (auto& batch : batches) {
    batch.reserve(kBatchSize);
    for (int i = 0; i < kBatchSize; ++i) {
      const unsigned roll = rng() % 10;
      const EventType type = roll < 7 ? EventType::kImpression
                             : roll < 9 ? EventType::kClick
                                        : EventType::kConversion;
      batch.push_back({.type = type,
                       .campaign = "campaign-" + std::to_string(rng() % 200),
                       .variant = rng() % 2 ? "control" : "treatment",
                       .user = "user-" + std::to_string(rng() % 100'000),
                       .time = now - absl::Seconds(rng() % 600),
                       .value = type == EventType::kConversion ? 19.99 : 0});
    }
  }
  return batches;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = std::filesystem::temp_directory_path() / "marquee-events-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) Fail("mkdtemp " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void BM_EventIngestToStore(benchmark::State& state) {
  TempDir dir;
  auto store = marquee::OpenMemoryStore(
      {.data_dir = dir.path(), .fsync = marquee::FsyncPolicy::kEverySecond});
  if (!store.ok()) Fail(store.status().ToString());
  if (auto s = marquee::campaign::PrepareCampaignStore(**store); !s.ok()) Fail(s.ToString());
  auto ingestor = EventIngestor::Open(store->get(), {});
  if (!ingestor.ok()) Fail(ingestor.status().ToString());
  const std::vector<std::vector<Event>> batches = MakeBatches(absl::Now());
  int64_t refused = 0;
  for (auto _ : state) {
    for (const auto& batch : batches) {
      absl::Status s;
      while (absl::IsResourceExhausted(s = (*ingestor)->Ingest(batch))) {
        ++refused;  // back-pressure: wait for the drainer
        std::this_thread::yield();
      }
      if (!s.ok()) Fail(s.ToString());
    }
    if (auto s = (*ingestor)->Flush(); !s.ok()) Fail(s.ToString());
  }
  state.SetItemsProcessed(state.iterations() * kBatches * kBatchSize);
  const auto stats = (*ingestor)->stats();
  state.counters["records_written"] = static_cast<double>(stats.records_written);
  state.counters["refused_batches"] = static_cast<double>(refused);
}
BENCHMARK(BM_EventIngestToStore)->Unit(benchmark::kMillisecond)->UseRealTime();

struct Key {
  std::string campaign;
  std::string variant;
  EventType type;
  int bucket;
  int64_t start;
  friend bool operator==(const Key&, const Key&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const Key& k) {
    return H::combine(std::move(h), k.campaign, k.variant, k.type, k.bucket, k.start);
  }
};

void BM_FlatHashMapReference(benchmark::State& state) {
  const std::vector<std::vector<Event>> batches = MakeBatches(absl::Now());
  for (auto _ : state) {
    absl::flat_hash_map<Key, std::pair<int64_t, double>> sums;
    for (const auto& batch : batches) {
      for (const Event& e : batch) {
        const int64_t t = absl::ToUnixSeconds(e.time);
        int bucket = 0;
        for (int64_t size : {60, 3600, 86400}) {
          auto& [count, sum] = sums[Key{e.campaign, e.variant, e.type, bucket++, t - t % size}];
          ++count;
          sum += e.value;
        }
      }
    }
    benchmark::DoNotOptimize(sums.size());
  }
  state.SetItemsProcessed(state.iterations() * kBatches * kBatchSize);
}
BENCHMARK(BM_FlatHashMapReference)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
