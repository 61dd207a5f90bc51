// bench/page_depth_bench.cc — keyset pagination: does a deep page cost what
// page 1 costs? (issue 4, benchmark a)
//
// A memory-only MemoryStore holds 200,000 campaign-like records (id
// "c000123", a ~250-byte JSON body with `name` and an int `priority` in
// [0, 1000)) and declares the index by_priority = (/priority descending, id).
// Two lines, each fetching one page of 50 records in that order:
//
//   Keyset/store/page1        Scan from the start of the index
//   Keyset/store/depth100000  Scan with `after` = the ScanPosition of row
//                             100,000, i.e. rows 100,001..100,050; the
//                             position is taken from the store before timing,
//                             as a client holding a cursor would have it
//
// and the same two pages through the public pagination API, cursor included:
//
//   Keyset/paginator/page1        Paginator::Fetch without a cursor (signs
//                                 the `next` cursor)
//   Keyset/paginator/depth100000  Paginator::Fetch after a cursor that points
//                                 after row 100,000, obtained by paging there
//                                 before timing (decodes and verifies it,
//                                 signs `next` and `prev`)
//
// All report the time per page (ns) and pages/s. Before timing, the rows each
// line returns are checked against an independent sort of the data set, so
// every line is known to fetch the page it names.
//
// On a shared machine the load moves between one line and the next, so two
// more lines fetch page 1 and the deep page alternately, timing each call
// (steady_clock, ~50 ns a read on a VM, the same on both sides), and report
// the median call of each as counters page1_ns, depth_ns and their ratio
// depth_per_page1: a preempted call is an outlier the median ignores, and
// both sides see the same load.
//
//   Keyset/store/alternating      Store::Scan, page 1 / depth 100,000
//   Keyset/paginator/alternating  Paginator::Fetch, page 1 / depth 100,000
//
// `page_depth_bench --write_rows=FILE` writes the same data set as
// tab-separated `id, priority, name, body` (PostgreSQL COPY text format),
// prints the position of row 100,000 as `row100000 <priority> <id>` and
// exits. bench/run_page_bench runs this benchmark, then loads that file into
// PostgreSQL for the OFFSET and keyset reference queries.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "marquee/index.h"
#include "marquee/json.h"
#include "marquee/memory_store.h"
#include "marquee/page.h"
#include "marquee/store.h"

namespace marquee::bench {
namespace {

constexpr char kCollection[] = "campaigns";
constexpr char kIndex[] = "by_priority";
constexpr size_t kRows = 200'000;
constexpr size_t kDepth = 100'000;  // the deep page starts after this row (1-based)
constexpr size_t kPageSize = 50;
constexpr int kPriorities = 1000;
constexpr size_t kLoadBatch = 1000;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "page_depth_bench: %s\n", what.c_str());
  std::exit(1);
}

// splitmix64: deterministic, so every run (and PostgreSQL) sees the same rows.
class SplitMix {
 public:
  explicit SplitMix(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

struct Row {
  std::string id;
  int priority = 0;
  std::string name;
  std::string body;  // minified JSON; no tab, newline or backslash (COPY-safe)
};

// The data set, and its rows in index order (priority descending, id
// ascending), sorted here independently of the store.
struct Dataset {
  std::vector<Row> rows;
  std::vector<size_t> order;  // indexes into rows
  const Row& Ranked(size_t rank) const { return rows[order[rank]]; }  // rank 0 = row 1
};

const Dataset& Data() {
  static const Dataset data = [] {
    static const char* const kTags[] = {"email", "mobile", "web", "spring", "summer", "autumn",
                                        "winter", "vip", "retail", "b2b", "promo", "launch"};
    static const char* const kStatus[] = {"draft", "scheduled", "active", "paused", "ended"};
    static const char* const kCountries[] = {"DE", "FR", "US", "JP", "BR", "IN"};
    static const char* const kHeadlines[] = {"Save 20% on outdoor gear", "New arrivals this week",
                                             "Free shipping over 50", "Members get early access"};
    Dataset d;
    d.rows.reserve(kRows);
    SplitMix rng(4);
    char buf[512];
    for (size_t i = 0; i < kRows; ++i) {
      // Drawn one by one: the order of evaluation of call arguments is unspecified.
      Row row;
      std::snprintf(buf, sizeof buf, "c%06zu", i);
      row.id = buf;
      row.priority = static_cast<int>(rng.Below(kPriorities));
      const char* name_tag = kTags[rng.Below(12)];
      const char* status = kStatus[rng.Below(5)];
      const size_t owner = rng.Below(40);
      const char* tag1 = kTags[rng.Below(12)];
      const char* tag2 = kTags[rng.Below(12)];
      const char* country = kCountries[rng.Below(6)];
      const size_t min_age = 16 + rng.Below(50);
      const char* headline = kHeadlines[rng.Below(4)];
      std::snprintf(buf, sizeof buf, "Campaign %06zu %s sale", i, name_tag);
      row.name = buf;
      std::snprintf(buf, sizeof buf,
                    R"({"name":"%s","status":"%s","owner":"team-%02zu","priority":%d,)"
                    R"("tags":["%s","%s"],"audience":{"country":"%s","min_age":%zu},)"
                    R"("content":{"headline":"%s","cta":"Shop now","image":"/img/%s.jpg"}})",
                    row.name.c_str(), status, owner, row.priority, tag1, tag2, country, min_age,
                    headline, row.id.c_str());
      row.body = buf;
      d.rows.push_back(std::move(row));
    }
    d.order.resize(kRows);
    std::iota(d.order.begin(), d.order.end(), size_t{0});
    std::sort(d.order.begin(), d.order.end(), [&](size_t a, size_t b) {
      const Row& x = d.rows[a];
      const Row& y = d.rows[b];
      return x.priority != y.priority ? x.priority > y.priority : x.id < y.id;
    });
    return d;
  }();
  return data;
}

int WriteRows(const char* path) {
  const Dataset& d = Data();
  std::FILE* out = std::fopen(path, "w");
  if (out == nullptr) Fail(std::string("cannot open ") + path + ": " + std::strerror(errno));
  for (const Row& row : d.rows) {
    std::fprintf(out, "%s\t%d\t%s\t%s\n", row.id.c_str(), row.priority, row.name.c_str(),
                 row.body.c_str());
  }
  if (std::fclose(out) != 0) Fail(std::string("cannot write ") + path);
  const Row& deep = d.Ranked(kDepth - 1);
  std::printf("row%zu %d %s\n", kDepth, deep.priority, deep.id.c_str());
  return 0;
}

// ---- the store, the paginator and the requests, built once before timing ----

struct Fixture {
  std::unique_ptr<MemoryStore> store;
  ScanRequest first_page;
  ScanRequest deep_page;  // after = position of row kDepth
  std::unique_ptr<Paginator> paginator;
  PageRequest first_fetch;
  PageRequest deep_fetch;  // after = a cursor after row kDepth
};

// Fails unless `records` is exactly the page starting at rank `first_rank`.
void CheckPage(const std::vector<Record>& records, size_t first_rank, const std::string& what) {
  if (records.size() != kPageSize) {
    Fail(what + ": " + std::to_string(records.size()) + " rows, not 50");
  }
  for (size_t i = 0; i < kPageSize; ++i) {
    if (records[i].id != Data().Ranked(first_rank + i).id) {
      Fail(what + ": row " + std::to_string(first_rank + i + 1) + " is " + records[i].id +
           ", expected " + Data().Ranked(first_rank + i).id);
    }
  }
}

void CheckScan(const absl::StatusOr<ScanResult>& result, size_t first_rank, const char* what) {
  if (!result.ok()) Fail(std::string(what) + ": " + std::string(result.status().message()));
  CheckPage(result->records, first_rank, what);
}

const Fixture& Fix() {
  static const Fixture fixture = [] {
    Fixture f;
    const IndexSpec by_priority{.collection = kCollection,
                                .name = kIndex,
                                .fields = {{"/priority", SortOrder::kDescending}}};
    absl::StatusOr<std::unique_ptr<MemoryStore>> store =
        OpenMemoryStore({.data_dir = "", .indexes = {by_priority}});
    if (!store.ok()) Fail("OpenMemoryStore: " + std::string(store.status().message()));
    f.store = *std::move(store);

    const Dataset& d = Data();
    WriteBatch batch;
    for (size_t i = 0; i < d.rows.size(); ++i) {
      absl::StatusOr<Json> body = Json::Parse(d.rows[i].body);
      if (!body.ok()) Fail("Json::Parse: " + std::string(body.status().message()));
      batch.Put(kCollection, d.rows[i].id, *std::move(body));
      if (batch.size() == kLoadBatch || i + 1 == d.rows.size()) {
        absl::StatusOr<uint64_t> version = f.store->Write(batch);
        if (!version.ok()) Fail("load: " + std::string(version.status().message()));
        batch.Clear();
      }
    }

    // The position of row kDepth, as the end of a scan over the first kDepth
    // rows: what a keyset cursor after that row holds.
    absl::StatusOr<ScanResult> head = f.store->Scan(
        {.collection = kCollection, .index = kIndex, .limit = kDepth, .max_scanned = kDepth});
    if (!head.ok()) Fail("Scan to depth: " + std::string(head.status().message()));
    const Row& deep = d.Ranked(kDepth - 1);
    const ScanPosition expected{.values = {IndexValue::Number(deep.priority)}, .id = deep.id};
    if (head->records.size() != kDepth || !head->end || *head->end != expected) {
      Fail("the store's row " + std::to_string(kDepth) + " is not " + deep.id);
    }

    f.first_page = {.collection = kCollection, .index = kIndex, .limit = kPageSize};
    f.deep_page = f.first_page;
    f.deep_page.after = *head->end;
    CheckScan(f.store->Scan(f.first_page), 0, "page 1");
    CheckScan(f.store->Scan(f.deep_page), kDepth, "page at depth");

    // The paginator's cursor after row kDepth: page there, 50 rows at a time,
    // as a client would (each page checked on the way).
    absl::StatusOr<std::unique_ptr<Paginator>> paginator = Paginator::Create(
        f.store.get(), {.current_key = {.id = "bench", .secret = std::string(32, 'k')}});
    if (!paginator.ok()) Fail("Paginator::Create: " + std::string(paginator.status().message()));
    f.paginator = *std::move(paginator);
    f.first_fetch = {.collection = kCollection, .index = kIndex, .limit = kPageSize};
    PageRequest walk = f.first_fetch;
    for (size_t rank = 0; rank < kDepth; rank += kPageSize) {
      absl::StatusOr<Page> page = f.paginator->Fetch(walk);
      if (!page.ok()) Fail("Paginator::Fetch: " + std::string(page.status().message()));
      CheckPage(page->items, rank, "paginator page at row " + std::to_string(rank + 1));
      if (!page->next) Fail("paginator page at row " + std::to_string(rank + 1) + " has no next");
      walk.after = *page->next;
    }
    f.deep_fetch = walk;
    absl::StatusOr<Page> at_depth = f.paginator->Fetch(f.deep_fetch);
    if (!at_depth.ok()) Fail("Fetch at depth: " + std::string(at_depth.status().message()));
    CheckPage(at_depth->items, kDepth, "paginator page at depth");
    return f;
  }();
  return fixture;
}

// ---- benchmarks ---------------------------------------------------------------

void ScanPage(benchmark::State& state, const ScanRequest& request) {
  const Store& store = *Fix().store;
  for (auto _ : state) {
    absl::StatusOr<ScanResult> page = store.Scan(request);
    if (!page.ok() || page->records.size() != kPageSize) {
      state.SkipWithError("Scan did not return a full page");
      break;
    }
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations());  // pages
}

void FetchPage(benchmark::State& state, const PageRequest& request) {
  const Paginator& paginator = *Fix().paginator;
  for (auto _ : state) {
    absl::StatusOr<Page> page = paginator.Fetch(request);
    if (!page.ok() || page->items.size() != kPageSize) {
      state.SkipWithError("Paginator::Fetch did not return a full page");
      break;
    }
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations());  // pages
}

// The median of `samples` (reordered).
double Median(std::vector<int64_t>& samples) {
  if (samples.empty()) return 0;
  auto middle = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
  std::nth_element(samples.begin(), middle, samples.end());
  return static_cast<double>(*middle);
}

// Calls `first` and `deep` (each returns whether it got a full page) in
// turn, timing every call, and reports the median call of each.
template <typename FirstPage, typename DeepPage>
void Alternate(benchmark::State& state, FirstPage first, DeepPage deep) {
  using Clock = std::chrono::steady_clock;
  std::vector<int64_t> first_ns;
  std::vector<int64_t> deep_ns;
  auto timed = [](auto& fetch, std::vector<int64_t>& samples) {
    const Clock::time_point start = Clock::now();
    const bool ok = fetch();
    samples.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start)
                          .count());
    return ok;
  };
  for (auto _ : state) {
    if (!timed(first, first_ns) || !timed(deep, deep_ns)) {
      state.SkipWithError("a fetch did not return a full page");
      break;
    }
  }
  const double page1 = Median(first_ns);
  const double depth = Median(deep_ns);
  state.counters["page1_ns"] = page1;
  state.counters["depth_ns"] = depth;
  state.counters["depth_per_page1"] = page1 > 0 ? depth / page1 : 0;
}

void StoreAlternating(benchmark::State& state) {
  const Fixture& f = Fix();
  auto scan = [&f](const ScanRequest& request) {
    return [store = f.store.get(), request = &request] {
      absl::StatusOr<ScanResult> page = store->Scan(*request);
      const bool full = page.ok() && page->records.size() == kPageSize;
      benchmark::DoNotOptimize(page);
      return full;
    };
  };
  Alternate(state, scan(f.first_page), scan(f.deep_page));
}

void PaginatorAlternating(benchmark::State& state) {
  const Fixture& f = Fix();
  auto fetch = [&f](const PageRequest& request) {
    return [paginator = f.paginator.get(), request = &request] {
      absl::StatusOr<Page> page = paginator->Fetch(*request);
      const bool full = page.ok() && page->items.size() == kPageSize;
      benchmark::DoNotOptimize(page);
      return full;
    };
  };
  Alternate(state, fetch(f.first_fetch), fetch(f.deep_fetch));
}

void StorePage1(benchmark::State& state) { ScanPage(state, Fix().first_page); }
void StoreDeepPage(benchmark::State& state) { ScanPage(state, Fix().deep_page); }
void PaginatorPage1(benchmark::State& state) { FetchPage(state, Fix().first_fetch); }
void PaginatorDeepPage(benchmark::State& state) { FetchPage(state, Fix().deep_fetch); }

BENCHMARK(StorePage1)->Name("Keyset/store/page1")->Unit(benchmark::kNanosecond);
BENCHMARK(StoreDeepPage)->Name("Keyset/store/depth100000")->Unit(benchmark::kNanosecond);
BENCHMARK(PaginatorPage1)->Name("Keyset/paginator/page1")->Unit(benchmark::kNanosecond);
BENCHMARK(PaginatorDeepPage)->Name("Keyset/paginator/depth100000")->Unit(benchmark::kNanosecond);
BENCHMARK(StoreAlternating)->Name("Keyset/store/alternating")->Unit(benchmark::kNanosecond);
BENCHMARK(PaginatorAlternating)->Name("Keyset/paginator/alternating")->Unit(benchmark::kNanosecond);

}  // namespace
}  // namespace marquee::bench

int main(int argc, char** argv) {
  constexpr std::string_view kWriteRows = "--write_rows=";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with(kWriteRows)) return marquee::bench::WriteRows(argv[i] + kWriteRows.size());
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
