// L1 hit throughput: marquee::Cache against a std::mutex-guarded LRU
// (unordered_map + list) and a bare absl::flat_hash_map lookup (the ceiling),
// on the same Zipf(0.99) key sequence over 1M resident keys, at 1 and 2
// threads. Every lookup hits: this measures the hit path alone.
//
// Run with bench/run_cache_bench (Release build, repetitions, medians).
#include <benchmark/benchmark.h>

#include <cmath>
#include <list>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "marquee/cache.h"

namespace {

constexpr size_t kKeys = 1'000'000;
constexpr size_t kSequence = size_t{1} << 22;  // lookups per pass, shared by all threads
constexpr double kZipfSkew = 0.99;

using Value = std::shared_ptr<const std::string>;

// Keys and one Zipf-distributed sequence of key indexes, built once.
struct Workload {
  std::vector<std::string> keys;
  std::vector<uint32_t> sequence;

  Workload() {
    keys.reserve(kKeys);
    for (size_t i = 0; i < kKeys; ++i) keys.push_back("campaign:" + std::to_string(i * 2654435761u % 1'000'000'007));
    // Inverse-CDF sampling over the exact Zipf weights 1/rank^s.
    std::vector<double> cdf(kKeys);
    double total = 0;
    for (size_t i = 0; i < kKeys; ++i) cdf[i] = total += 1.0 / std::pow(static_cast<double>(i + 1), kZipfSkew);
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> uniform(0, total);
    sequence.reserve(kSequence);
    for (size_t i = 0; i < kSequence; ++i) {
      sequence.push_back(static_cast<uint32_t>(std::lower_bound(cdf.begin(), cdf.end(), uniform(rng)) - cdf.begin()));
    }
  }
};

const Workload& TheWorkload() {
  static const Workload* workload = new Workload();
  return *workload;
}

Value MakeValue(size_t i) { return std::make_shared<const std::string>("value-" + std::to_string(i)); }

// The reference a cache is most often replaced by: one mutex, exact LRU.
class MutexLru {
 public:
  void Put(const std::string& key, Value value) {
    std::lock_guard lock(mu_);
    order_.emplace_front(key, std::move(value));
    index_[key] = order_.begin();
  }
  Value Get(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }

 private:
  std::mutex mu_;
  std::list<std::pair<std::string, Value>> order_;
  std::unordered_map<std::string, std::list<std::pair<std::string, Value>>::iterator> index_;
};

// Each thread starts at its own offset of the shared sequence.
template <class Lookup>
void RunLookups(benchmark::State& state, Lookup lookup) {
  const Workload& w = TheWorkload();
  size_t position = static_cast<size_t>(state.thread_index()) * (kSequence / 2 + 12345);
  size_t found = 0;
  for (auto _ : state) {
    found += lookup(w.keys[w.sequence[position++ % kSequence]]);
  }
  if (found != static_cast<size_t>(state.iterations())) state.SkipWithError("a lookup missed");
  state.SetItemsProcessed(state.iterations());
}

void BM_MarqueeCacheHit(benchmark::State& state) {
  static marquee::Cache<std::string>* cache = [] {
    auto created = marquee::Cache<std::string>::Create({.capacity_bytes = size_t{1} << 30});
    auto* c = created->release();
    const Workload& w = TheWorkload();
    for (size_t i = 0; i < kKeys; ++i) c->Put(w.keys[i], {.value = MakeValue(i), .version = 1, .bytes = 16});
    return c;
  }();
  RunLookups(state, [](const std::string& key) { return cache->Get(key) != nullptr; });
}

void BM_MutexLruHit(benchmark::State& state) {
  static MutexLru* lru = [] {
    auto* l = new MutexLru();
    const Workload& w = TheWorkload();
    for (size_t i = 0; i < kKeys; ++i) l->Put(w.keys[i], MakeValue(i));
    return l;
  }();
  RunLookups(state, [](const std::string& key) { return lru->Get(key) != nullptr; });
}

// The ceiling: a lookup with no locking, no statistics, no TTL, no refcount.
void BM_FlatHashMapLookup(benchmark::State& state) {
  static absl::flat_hash_map<std::string, Value>* map = [] {
    auto* m = new absl::flat_hash_map<std::string, Value>();
    const Workload& w = TheWorkload();
    for (size_t i = 0; i < kKeys; ++i) m->emplace(w.keys[i], MakeValue(i));
    return m;
  }();
  RunLookups(state, [](const std::string& key) {
    auto it = map->find(key);
    return it != map->end() && it->second != nullptr;
  });
}

BENCHMARK(BM_MarqueeCacheHit)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_MutexLruHit)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_FlatHashMapLookup)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
