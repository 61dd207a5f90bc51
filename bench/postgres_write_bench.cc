// bench/postgres_write_bench.cc — PostgresStore write throughput (issue 8):
// C client threads each call Store::Write in a loop for a fixed time, every
// batch of `--batch` Puts of ~1 KB campaign bodies (bench/campaign_corpus.h)
// under random ids, blind (no expected version), into collection "writes".
// The store's pool holds one connection per client, so C clients are C
// concurrent transactions, as `pgbench -c C` is on the reference side.
//
// bench/run_postgres_bench runs it against a PostgreSQL it starts, next to
// pgbench INSERTing the same bodies into a plain table (id text primary
// key, body json) at the same concurrency, on the same server settings.
//
//   postgres_write_bench --conninfo=URI [--schema=bench] [--clients=8]
//                        [--seconds=10] [--batch=1]
//   postgres_write_bench --write_bodies=DIR   # body_0.json .. body_15.json, exit
//
// Prints one line of key=value fields (the driver parses it):
//   store_write clients=8 batch=1 commits=... records=... seconds=...
//     commits_per_s=... records_per_s=... mean_ms=... p50_ms=... p99_ms=...
// Any failed Write ends the run: its Status goes to stderr, exit 1.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench_flags.h"
#include "campaign_corpus.h"
#include "marquee/json.h"
#include "marquee/postgres/postgres_store.h"
#include "marquee/store.h"

namespace marquee::bench {
namespace {

constexpr char kCollection[] = "writes";
// Distinct bodies cycled through; the pgbench side INSERTs the same ones
// (--write_bodies; bench/run_postgres_bench writes one script per body).
constexpr size_t kBodies = 16;

struct Flags {
  std::string conninfo;
  std::string schema = "bench";
  int clients = 8;
  double seconds = 10;
  int batch = 1;
  std::string write_bodies;
};

constexpr std::string_view kProgram = "postgres_write_bench";

[[noreturn]] void Fail(const std::string& what) { marquee::bench::FailBench(kProgram, what); }

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  auto take = [&](const std::string& name, const std::string& value) {
    if (name == "conninfo") {
      flags.conninfo = value;
    } else if (name == "schema") {
      flags.schema = value;
    } else if (name == "clients") {
      flags.clients = std::atoi(value.c_str());
    } else if (name == "seconds") {
      flags.seconds = std::atof(value.c_str());
    } else if (name == "batch") {
      flags.batch = std::atoi(value.c_str());
    } else if (name == "write_bodies") {
      flags.write_bodies = value;
    } else {
      return false;
    }
    return true;
  };
  marquee::bench::ForEachFlag(kProgram, argc, argv, take);
  if (!flags.write_bodies.empty()) return flags;
  if (flags.conninfo.empty()) Fail("--conninfo is required");
  if (flags.clients < 1 || flags.clients > 256) Fail("--clients must be within 1..256");
  if (flags.batch < 1 || flags.batch > 10'000) Fail("--batch must be within 1..10000");
  if (flags.seconds <= 0) Fail("--seconds must be positive");
  return flags;
}

struct ClientResult {
  uint64_t commits = 0;
  std::vector<double> latencies_ms;
};

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t at = std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()));
  return sorted[at];
}

int Run(const Flags& flags) {
  std::vector<Json> bodies;
  for (size_t i = 0; i < kBodies; ++i) {
    absl::StatusOr<Json> body = Json::Parse(CampaignRecordJson(i));
    if (!body.ok()) Fail(absl::StrCat("corpus body ", i, ": ", body.status().ToString()));
    bodies.push_back(*std::move(body));
  }
  if (!flags.write_bodies.empty()) {
    // The minified text the store sends, so both sides write the same bytes.
    for (size_t i = 0; i < kBodies; ++i) {
      const std::string path = absl::StrCat(flags.write_bodies, "/body_", i, ".json");
      std::FILE* f = std::fopen(path.c_str(), "wb");
      const std::string_view text = bodies[i].text();
      if (f == nullptr || std::fwrite(text.data(), 1, text.size(), f) != text.size() ||
          std::fclose(f) != 0) {
        Fail(absl::StrCat("cannot write ", path));
      }
    }
    return 0;
  }
  absl::StatusOr<std::unique_ptr<postgres::PostgresStore>> store = postgres::OpenPostgresStore(
      {.conninfo = flags.conninfo, .schema = flags.schema, .pool_size = flags.clients});
  if (!store.ok()) Fail(absl::StrCat("opening the store: ", store.status().ToString()));

  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::mutex error_mu;
  std::string error;
  std::vector<ClientResult> results(static_cast<size_t>(flags.clients));
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < flags.clients; ++c) {
    threads.emplace_back([&, c] {
      // Ids drawn like pgbench's `random(1, 1000000000)`: new rows almost
      // always, an upsert of an old one otherwise, as on the pgbench side.
      std::mt19937_64 rng(0x5eed0000ULL + static_cast<uint64_t>(c) +
                          static_cast<uint64_t>(start.time_since_epoch().count()));
      std::uniform_int_distribution<uint64_t> ids(1, 1'000'000'000);
      ClientResult& result = results[static_cast<size_t>(c)];
      WriteBatch batch;
      while (!stop.load(std::memory_order_relaxed)) {
        batch.Clear();
        const uint64_t id = ids(rng);
        for (int k = 0; k < flags.batch; ++k) {
          std::string key = flags.batch == 1 ? absl::StrCat("r", id) : absl::StrCat("b", id, "_", k);
          batch.Put(kCollection, std::move(key), bodies[(id + static_cast<uint64_t>(k)) % kBodies]);
        }
        const auto t0 = std::chrono::steady_clock::now();
        absl::StatusOr<uint64_t> version = (*store)->Write(batch);
        const auto t1 = std::chrono::steady_clock::now();
        if (!version.ok()) {
          std::lock_guard<std::mutex> lock(error_mu);
          if (!failed.exchange(true)) error = version.status().ToString();
          stop = true;
          return;
        }
        ++result.commits;
        result.latencies_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(flags.seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failed) Fail(absl::StrCat("Write failed: ", error));

  uint64_t commits = 0;
  std::vector<double> latencies;
  for (auto& r : results) {
    commits += r.commits;
    latencies.insert(latencies.end(), r.latencies_ms.begin(), r.latencies_ms.end());
  }
  std::sort(latencies.begin(), latencies.end());
  double sum = 0;
  for (double l : latencies) sum += l;
  const uint64_t records = commits * static_cast<uint64_t>(flags.batch);
  std::printf(
      "store_write clients=%d batch=%d commits=%llu records=%llu seconds=%.3f "
      "commits_per_s=%.1f records_per_s=%.1f mean_ms=%.3f p50_ms=%.3f p99_ms=%.3f\n",
      flags.clients, flags.batch, static_cast<unsigned long long>(commits),
      static_cast<unsigned long long>(records), elapsed, commits / elapsed, records / elapsed,
      latencies.empty() ? 0 : sum / latencies.size(), Percentile(latencies, 0.5),
      Percentile(latencies, 0.99));
  return 0;
}

}  // namespace
}  // namespace marquee::bench

int main(int argc, char** argv) {
  return marquee::bench::Run(marquee::bench::ParseFlags(argc, argv));
}
