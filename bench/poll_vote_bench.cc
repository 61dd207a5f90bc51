// Poll vote throughput (docs/benchmarks.md, "Poll votes"): votes/s of
// PollService from 2 and 8 client threads into a MemoryStore that logs to a
// temporary directory with fsync every_second, unique users spread over 3
// polls, until every vote is committed; then the tallies must equal the
// accepted votes (the bench exits 1 if not). Two client styles:
//   - async: each client keeps up to 512 votes in flight with VoteAsync (a
//     server with many concurrent requests);
//   - blocking: each client calls Vote and waits (one request per thread).
// Reference, same run: MemoryStore single-record Write/s from the same
// threads (one write per vote, what a vote would cost without group commit).
//
//   cmake --build <release-dir> --target poll_vote_bench
//   <release-dir>/bench/poll_vote_bench [votes per run, default 400000]
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "marquee/campaign/poll_service.h"
#include "marquee/memory_store.h"

namespace {

using marquee::campaign::Poll;
using marquee::campaign::PollService;
using marquee::campaign::VoteResult;

// Votes each async client keeps in flight.
constexpr int kInFlight = 512;

struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "poll-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

std::unique_ptr<marquee::MemoryStore> OpenStore(const std::string& dir) {
  auto store = marquee::OpenMemoryStore(
      {.data_dir = dir, .fsync = marquee::FsyncPolicy::kEverySecond, .snapshot_after_log_bytes = 0});
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    std::exit(2);
  }
  return *std::move(store);
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// Returns votes/s; exits 1 when a tally differs from the accepted votes.
double RunVotes(int clients, int64_t votes, bool async) {
  TempDir dir;
  auto store = OpenStore(dir.path);
  auto service = PollService::Open(store.get(), {});
  if (!service.ok()) std::exit(2);
  const char* polls[] = {"p0", "p1", "p2"};
  for (const char* id : polls) {
    Poll p{.id = id, .question = "q", .options = {{.key = "a"}, {.key = "b"}, {.key = "c"}}};
    if (!(*service)->CreatePoll(p).ok()) std::exit(2);
  }
  const char* options[] = {"a", "b", "c"};
  std::atomic<int64_t> accepted{0};
  std::atomic<int64_t> failed{0};
  const int64_t per_client = votes / clients;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      // Blocks (never spins) while 512 votes are in flight: a spinning
      // client would take the CPU the committer needs on a small machine.
      std::counting_semaphore<kInFlight> slots(kInFlight);
      for (int64_t i = 0; i < per_client; ++i) {
        const std::string user = "c" + std::to_string(c) + "-u" + std::to_string(i);
        const char* poll = polls[i % 3];
        const char* option = options[(i / 3) % 3];
        if (!async) {
          absl::StatusOr<VoteResult> r = (*service)->Vote(poll, user, option);
          (r.ok() ? accepted : failed).fetch_add(1);
          continue;
        }
        slots.acquire();
        (*service)->VoteAsync(poll, user, option, {}, [&](absl::StatusOr<VoteResult> r) {
          (r.ok() ? accepted : failed).fetch_add(1);
          slots.release();
        });
      }
      for (int k = 0; k < kInFlight; ++k) slots.acquire();  // every callback has run
    });
  }
  for (std::thread& t : threads) t.join();
  const double secs = Seconds(std::chrono::steady_clock::now() - start);
  int64_t tallied = 0;
  for (const char* id : polls) {
    auto tally = (*service)->Tally(id);
    if (!tally.ok()) std::exit(2);
    tallied += tally->total;
  }
  const auto stats = (*service)->stats();
  std::printf("  %-8s %d clients: %lld votes in %.3f s = %.0f votes/s; accepted %lld, failed %lld, "
              "tally %lld (%s); %llu batches, %llu fallbacks\n",
              async ? "async" : "blocking", clients, static_cast<long long>(per_client * clients),
              secs, static_cast<double>(accepted.load()) / secs,
              static_cast<long long>(accepted.load()), static_cast<long long>(failed.load()),
              static_cast<long long>(tallied), tallied == accepted.load() ? "exact" : "MISMATCH",
              static_cast<unsigned long long>(stats.batches),
              static_cast<unsigned long long>(stats.fallbacks));
  if (tallied != accepted.load() || failed.load() != 0) std::exit(1);
  return static_cast<double>(accepted.load()) / secs;
}

// One Write of one ~100-byte record per vote.
double RunReference(int clients, int64_t writes) {
  TempDir dir;
  auto store = OpenStore(dir.path);
  auto body = marquee::Json::Parse(
      R"({"poll":"p0","user":"c0-u0000000","option":"a","at":"2026-03-01T09:00:00Z"})");
  const int64_t per_client = writes / clients;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int64_t i = 0; i < per_client; ++i) {
        marquee::WriteBatch batch;
        batch.Put("votes", "p0/c" + std::to_string(c) + "-u" + std::to_string(i), *body,
                  {.expected_version = 0});
        if (!store->Write(batch).ok()) std::exit(2);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  const double secs = Seconds(std::chrono::steady_clock::now() - start);
  const double rate = static_cast<double>(per_client * clients) / secs;
  std::printf("  reference %d clients: %lld single-record writes in %.3f s = %.0f writes/s\n",
              clients, static_cast<long long>(per_client * clients), secs, rate);
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t votes = argc > 1 ? std::atoll(argv[1]) : 400'000;
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) std::printf("load average: %.2f %.2f %.2f\n", load[0], load[1], load[2]);
  for (int clients : {2, 8}) {
    std::printf("%d client threads, %lld votes, 3 polls, fsync every_second:\n", clients,
                static_cast<long long>(votes));
    const double async_rate = RunVotes(clients, votes, /*async=*/true);
    const double blocking_rate = RunVotes(clients, votes / 10, /*async=*/false);
    const double reference = RunReference(clients, votes / 4);
    std::printf("  ratio async / reference %.1fx, blocking / reference %.1fx\n",
                async_rate / reference, blocking_rate / reference);
  }
  return 0;
}
