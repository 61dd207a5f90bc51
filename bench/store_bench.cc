// bench/store_bench.cc — MemoryStore against SQLite on the same data.
//
// N = 100,000 campaign-like records (id "c000123", a ~250-byte JSON body with
// name, status, priority, tags and content) are loaded into both stores
// before anything is measured. Every benchmark reports items/s (one item =
// one Get, one Scan of 50, or one Write), in real time, so each Marquee line
// can be divided by the SQLite line of the same name:
//
//   Get/{marquee,sqlite}                       Threads(1), Threads(2)
//   Scan50/{marquee,sqlite}                    Threads(1), Threads(2)
//   Write/{always,every_second,never}/{marquee,sqlite,sqlite_conn_per_thread}
//                                              Threads(1), Threads(8), Threads(32)
//
// SQLite's synchronous level follows the fsync policy: always = FULL,
// every_second = NORMAL, never = OFF (WAL mode throughout). "sqlite" writes
// through one shared connection under a mutex; "sqlite_conn_per_thread"
// gives each writer its own connection with a busy timeout. Reads use a
// connection per thread. Data lives under $TMPDIR (or /tmp) and is removed
// at exit. MARQUEE_BENCH_RECORDS overrides N (for a quick smoke run).
// bench/run_store_bench runs this and prints the medians and ratios.
#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "marquee/index.h"
#include "marquee/json.h"
#include "marquee/memory_store.h"
#include "marquee/store.h"
#include "sqlite_reference.h"

namespace marquee::bench {
namespace {

constexpr char kCollection[] = "campaigns";
constexpr char kIndex[] = "by_priority";
constexpr int kScanLimit = 50;
constexpr size_t kLoadBatch = 1000;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "store_bench: %s\n", what.c_str());
  std::abort();
}

// splitmix64: a cheap generator, the same on both sides of every comparison.
struct Random {
  uint64_t state;
  explicit Random(uint64_t seed) : state(seed * 0x9E3779B97F4A7C15ULL + 1) {}
  uint64_t Next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }
};

// ---- the data set ---------------------------------------------------------

struct Dataset {
  std::vector<std::string> ids;
  std::vector<std::string> bodies;
  std::vector<int64_t> priorities;
  std::vector<Json> jsons;  // bodies, parsed once
  size_t size() const { return ids.size(); }
};

size_t RecordCount() {
  const char* n = std::getenv("MARQUEE_BENCH_RECORDS");
  return n != nullptr && std::atol(n) > 0 ? static_cast<size_t>(std::atol(n)) : 100'000;
}

const Dataset& Data() {
  static const Dataset data = [] {
    static const char* const kStatus[] = {"draft", "scheduled", "active", "paused", "ended"};
    static const char* const kTags[] = {"email", "mobile", "web", "spring", "summer", "autumn",
                                        "winter", "vip", "retail", "b2b", "promo", "launch"};
    static const char* const kHeadlines[] = {"Save 20% on outdoor gear", "New arrivals this week",
                                             "Free shipping on orders over 50",
                                             "Members get early access"};
    Dataset d;
    const size_t n = RecordCount();
    Random rng(42);
    char buf[512];
    for (size_t i = 0; i < n; ++i) {
      const int64_t priority = static_cast<int64_t>(rng.Below(1000));
      std::snprintf(buf, sizeof buf, "c%06zu", i);
      d.ids.emplace_back(buf);
      std::snprintf(
          buf, sizeof buf,
          R"({"name":"Campaign %06zu %s sale","status":"%s","priority":%lld,)"
          R"("tags":["%s","%s","%s"],"content":{"headline":"%s","body":"Limited offer )"
          R"(for loyal customers; see the catalogue.","cta":"Shop now","image":"/img/c%06zu.jpg"}})",
          i, kTags[rng.Below(12)], kStatus[rng.Below(5)], static_cast<long long>(priority),
          kTags[rng.Below(12)], kTags[rng.Below(12)], kTags[rng.Below(12)],
          kHeadlines[rng.Below(4)], i);
      d.bodies.emplace_back(buf);
      d.priorities.push_back(priority);
      absl::StatusOr<Json> json = Json::Parse(d.bodies.back());
      if (!json.ok()) Fail("Json::Parse: " + std::string(json.status().message()));
      d.jsons.push_back(*std::move(json));
    }
    return d;
  }();
  return data;
}

// ---- stores, built once and kept until exit ---------------------------------

const char* PolicyName(FsyncPolicy policy) {
  switch (policy) {
    case FsyncPolicy::kAlways: return "always";
    case FsyncPolicy::kEverySecond: return "every_second";
    case FsyncPolicy::kNever: return "never";
  }
  return "?";
}

SqliteSync MatchingSync(FsyncPolicy policy) {
  switch (policy) {
    case FsyncPolicy::kAlways: return SqliteSync::kFull;
    case FsyncPolicy::kEverySecond: return SqliteSync::kNormal;
    case FsyncPolicy::kNever: return SqliteSync::kOff;
  }
  return SqliteSync::kFull;
}

IndexSpec ByPriority() {
  return IndexSpec{.collection = kCollection,
                   .name = kIndex,
                   .fields = {{"/priority", SortOrder::kDescending}}};
}

std::unique_ptr<MemoryStore> OpenLoadedStore(const std::string& data_dir, FsyncPolicy policy) {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store =
      OpenMemoryStore({.data_dir = data_dir, .fsync = policy, .indexes = {ByPriority()}});
  if (!store.ok()) Fail("OpenMemoryStore: " + std::string(store.status().message()));
  const Dataset& d = Data();
  WriteBatch batch;
  for (size_t i = 0; i < d.size(); ++i) {
    batch.Put(kCollection, d.ids[i], d.jsons[i]);
    if (batch.size() == kLoadBatch || i + 1 == d.size()) {
      absl::StatusOr<uint64_t> version = (*store)->Write(batch);
      if (!version.ok()) Fail("load: " + std::string(version.status().message()));
      batch.Clear();
    }
  }
  return *std::move(store);
}

// Everything the benchmarks share. Members are destroyed in reverse order:
// stores and connections first, then the directory.
class Fixtures {
 public:
  static Fixtures& Get() {
    static Fixtures fixtures;
    return fixtures;
  }

  const std::string& dir() const { return dir_; }

  // A memory-only store for reads (reads never touch the log).
  MemoryStore* ReadStore() {
    std::lock_guard lock(mu_);
    if (!read_store_) read_store_ = OpenLoadedStore("", FsyncPolicy::kNever);
    return read_store_.get();
  }

  MemoryStore* WriteStore(FsyncPolicy policy) {
    std::lock_guard lock(mu_);
    auto& store = write_stores_[policy];
    if (!store) store = OpenLoadedStore(dir_ + "/marquee_" + PolicyName(policy), policy);
    return store.get();
  }

  // The read database's connection for benchmark thread `thread`.
  SqliteConnection* SqliteReader(int thread) {
    std::lock_guard lock(mu_);
    const std::string path = dir_ + "/sqlite_read.db";
    if (!sqlite_read_loaded_) {
      SqliteConnection(path, SqliteSync::kOff).Load(kCollection, Data().ids, Data().bodies);
      sqlite_read_loaded_ = true;
    }
    auto& conn = sqlite_readers_[thread];
    if (!conn) {
      conn = std::make_unique<SqliteConnection>(path, SqliteSync::kNormal);
      conn->Warm();
    }
    return conn.get();
  }

  // A connection to the write database of `sync`; thread -1 is the shared
  // one (used under SqliteWriteMutex).
  SqliteConnection* SqliteWriter(SqliteSync sync, int thread) {
    std::lock_guard lock(mu_);
    const std::string path = dir_ + "/sqlite_write_" + SqliteSyncName(sync) + ".db";
    auto& conn = sqlite_writers_[{sync, thread}];
    if (!conn) {
      if (sqlite_write_loaded_.insert(sync).second) {
        SqliteConnection(path, SqliteSync::kOff).Load(kCollection, Data().ids, Data().bodies);
      }
      conn = std::make_unique<SqliteConnection>(path, sync);
    }
    return conn.get();
  }

  std::mutex& SqliteWriteMutex(SqliteSync sync) { return sqlite_write_mu_[static_cast<int>(sync)]; }

 private:
  Fixtures() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                          "/marquee_store_bench_XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) Fail("mkdtemp " + pattern);
    dir_ = pattern;
  }
  ~Fixtures() {
    read_store_.reset();
    write_stores_.clear();
    sqlite_readers_.clear();
    sqlite_writers_.clear();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string dir_;
  std::mutex mu_;
  std::unique_ptr<MemoryStore> read_store_;
  std::map<FsyncPolicy, std::unique_ptr<MemoryStore>> write_stores_;
  bool sqlite_read_loaded_ = false;
  std::set<SqliteSync> sqlite_write_loaded_;
  std::map<int, std::unique_ptr<SqliteConnection>> sqlite_readers_;
  std::map<std::pair<SqliteSync, int>, std::unique_ptr<SqliteConnection>> sqlite_writers_;
  std::mutex sqlite_write_mu_[3];
};

// A store-wide version for SQLite rows, as a SQLite-backed Store would keep.
std::atomic<int64_t> sqlite_version{1'000'000};

// ---- 1. point Get -----------------------------------------------------------

void GetMarquee(benchmark::State& state) {
  MemoryStore* store = Fixtures::Get().ReadStore();
  const Dataset& d = Data();
  Random rng(1000 + static_cast<uint64_t>(state.thread_index()));
  for (auto _ : state) {
    absl::StatusOr<Record> record = store->Get(kCollection, d.ids[rng.Below(d.size())]);
    if (!record.ok()) {
      state.SkipWithError("Get failed");
      break;
    }
    benchmark::DoNotOptimize(record);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void GetSqlite(benchmark::State& state) {
  SqliteConnection* conn = Fixtures::Get().SqliteReader(state.thread_index());
  const Dataset& d = Data();
  Random rng(1000 + static_cast<uint64_t>(state.thread_index()));
  SqliteRow row;
  for (auto _ : state) {
    if (!conn->Get(kCollection, d.ids[rng.Below(d.size())], &row)) {
      state.SkipWithError("SQLite get found nothing");
      break;
    }
    benchmark::DoNotOptimize(row);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// ---- 2. Scan of 50 from a random position of by_priority (descending) -------

void ScanMarquee(benchmark::State& state) {
  MemoryStore* store = Fixtures::Get().ReadStore();
  const Dataset& d = Data();
  Random rng(2000 + static_cast<uint64_t>(state.thread_index()));
  ScanRequest request;
  request.collection = kCollection;
  request.index = kIndex;
  request.limit = kScanLimit;
  int64_t rows = 0;
  for (auto _ : state) {
    const size_t i = rng.Below(d.size());
    request.after = ScanPosition{
        .values = {IndexValue::Number(static_cast<double>(d.priorities[i]))}, .id = d.ids[i]};
    absl::StatusOr<ScanResult> page = store->Scan(request);
    if (!page.ok()) {
      state.SkipWithError("Scan failed");
      break;
    }
    rows += static_cast<int64_t>(page->records.size());
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["rows_per_scan"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kAvgIterations);
}

void ScanSqlite(benchmark::State& state) {
  SqliteConnection* conn = Fixtures::Get().SqliteReader(state.thread_index());
  const Dataset& d = Data();
  Random rng(2000 + static_cast<uint64_t>(state.thread_index()));
  std::vector<SqliteRow> page;
  int64_t rows = 0;
  for (auto _ : state) {
    const size_t i = rng.Below(d.size());
    rows += static_cast<int64_t>(conn->ScanBefore(kCollection, d.priorities[i], d.ids[i], kScanLimit, &page));
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["rows_per_scan"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kAvgIterations);
}

// ---- 3. Write: one put of one record per call ---------------------------------

void WriteMarquee(benchmark::State& state, FsyncPolicy policy) {
  MemoryStore* store = Fixtures::Get().WriteStore(policy);
  const Dataset& d = Data();
  Random rng(3000 + static_cast<uint64_t>(state.thread_index()));
  for (auto _ : state) {
    WriteBatch batch;
    batch.Put(kCollection, d.ids[rng.Below(d.size())], d.jsons[rng.Below(d.size())]);
    absl::StatusOr<uint64_t> version = store->Write(batch);
    if (!version.ok()) {
      state.SkipWithError("Write failed");
      break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void WriteSqliteShared(benchmark::State& state, FsyncPolicy policy) {
  const SqliteSync sync = MatchingSync(policy);
  SqliteConnection* conn = Fixtures::Get().SqliteWriter(sync, -1);
  std::mutex& mu = Fixtures::Get().SqliteWriteMutex(sync);
  const Dataset& d = Data();
  Random rng(3000 + static_cast<uint64_t>(state.thread_index()));
  for (auto _ : state) {
    const std::string& id = d.ids[rng.Below(d.size())];
    const std::string& body = d.bodies[rng.Below(d.size())];
    std::lock_guard lock(mu);
    conn->Put(kCollection, id, sqlite_version.fetch_add(1, std::memory_order_relaxed), body);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void WriteSqlitePerThread(benchmark::State& state, FsyncPolicy policy) {
  SqliteConnection* conn = Fixtures::Get().SqliteWriter(MatchingSync(policy), state.thread_index());
  const Dataset& d = Data();
  Random rng(3000 + static_cast<uint64_t>(state.thread_index()));
  for (auto _ : state) {
    conn->Put(kCollection, d.ids[rng.Below(d.size())],
              sqlite_version.fetch_add(1, std::memory_order_relaxed), d.bodies[rng.Below(d.size())]);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void RegisterAll() {
  for (auto* b : {benchmark::RegisterBenchmark("Get/marquee", GetMarquee),
                  benchmark::RegisterBenchmark("Get/sqlite", GetSqlite),
                  benchmark::RegisterBenchmark("Scan50/marquee", ScanMarquee),
                  benchmark::RegisterBenchmark("Scan50/sqlite", ScanSqlite)}) {
    b->Threads(1)->Threads(2)->UseRealTime();
  }
  for (FsyncPolicy policy : {FsyncPolicy::kAlways, FsyncPolicy::kEverySecond, FsyncPolicy::kNever}) {
    const std::string prefix = std::string("Write/") + PolicyName(policy) + "/";
    for (auto* b :
         {benchmark::RegisterBenchmark((prefix + "marquee").c_str(), WriteMarquee, policy),
          benchmark::RegisterBenchmark((prefix + "sqlite").c_str(), WriteSqliteShared, policy),
          benchmark::RegisterBenchmark((prefix + "sqlite_conn_per_thread").c_str(),
                                       WriteSqlitePerThread, policy)}) {
      b->Threads(1)->Threads(8)->Threads(32)->UseRealTime();
    }
  }
}

}  // namespace
}  // namespace marquee::bench

int main(int argc, char** argv) {
  using marquee::bench::Fixtures;
  benchmark::AddCustomContext("records", std::to_string(marquee::bench::RecordCount()));
  benchmark::AddCustomContext("data_dir", Fixtures::Get().dir());
  benchmark::AddCustomContext("sqlite_version", sqlite3_libversion());
  marquee::bench::RegisterAll();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
