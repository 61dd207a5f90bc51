// tiered_get_bench: TieredCache::Get latency when every read misses L1 and
// hits L2 (Redis), to compare with `redis-benchmark -t get -d 1024` at the
// same client count (issue 3, bench c: target p50 <= 1.3x Redis's own).
//
// Setup: an in-memory MemoryStore with --keys records of ~1 KB JSON bodies
// in "campaigns"; a RedisCache on 127.0.0.1:--port under a key prefix of its
// own (so each run starts with a cold L2); a TieredCache over the store with
// that L2 and an L1 too small to hold anything, so every Get misses L1. L2 is
// warmed (fills are posted asynchronously) until a whole pass of Gets reads
// the store no more. Then --clients threads loop Get(random key) for
// --seconds, timing each call with steady_clock.
//
// Modes (--mode, a comma-separated list run one after the other on the same
// setup, --seconds each; each prints one line):
//   tiered    TieredCache::Get (the benchmark);
//   multiget  RedisCache::MultiGet of the same one key alone: the L2 round
//             trip plus envelope decode, without L1 or record decoding;
//   store     MemoryStore::Get alone (the read L2 saves);
//   hiredis   a bare synchronous hiredis GET of a raw 1024-byte value (SET
//             at setup), one connection per thread, timed like the others:
//             Redis's own GET latency under this bench's client model (N
//             blocking threads), at 1 µs resolution (redis-benchmark's
//             percentiles are bucket bounds some 8 µs apart at ~30 µs).
//
// Output, one machine-readable line per mode, e.g.
//   tiered clients=1 ops=... ops_per_sec=... p50_us=... p95_us=... p99_us=...
//          cpu_us_per_op=... user_us_per_op=... remote_hits=... store_reads=... remote_misses=...
//          remote_errors=... l2_hits=... errors=...
// remote_* and store_reads are TieredCache::stats() deltas over the phase
// (store_reads must stay 0: every Get an L2 hit; the run fails otherwise);
// l2_hits is RedisCache::stats().hits, which multiget mode moves too.
// cpu_us_per_op is this process's user+system CPU time per operation (the
// client-side cost; the rest of the latency is Redis and the loopback), and
// user_us_per_op its user-space part (ours, hiredis, zstd, malloc).
//
// Run with bench/run_tiered_bench (Release build, its own redis-server,
// repetitions, medians, the ratio to redis-benchmark).
#include <hiredis/hiredis.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <latch>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "marquee/json.h"
#include "marquee/memory_store.h"
#include "marquee/redis/redis_cache.h"
#include "marquee/store.h"
#include "marquee/tiered_cache.h"

namespace {

constexpr std::string_view kCollection = "campaigns";
constexpr size_t kBodyBytes = 1024;

struct Flags {
  int port = 0;
  int clients = 0;
  int seconds = 0;
  int keys = 1000;
  std::vector<std::string> modes{"tiered"};
  bool uncompressed = false;
};

[[noreturn]] void Usage(const std::string& problem) {
  std::fprintf(stderr,
               "tiered_get_bench: %s\n"
               "usage: tiered_get_bench --port P --clients N --seconds S [--keys K] "
               "[--mode tiered,multiget,store,hiredis] [--uncompressed]\n"
               "  --port      Redis port on 127.0.0.1 (1..65535; required)\n"
               "  --clients   threads calling Get concurrently (1..1024; required)\n"
               "  --seconds   measured time per mode (1..3600; required)\n"
               "  --keys      records in the store, read uniformly at random (1..1000000; default 1000)\n"
               "  --mode      what each measured phase calls (default tiered)\n"
               "  --uncompressed  store L2 values without zstd (compress_min_bytes = SIZE_MAX)\n",
               problem.c_str());
  std::exit(2);
}

int IntFlag(const std::string& name, const std::string& value, int lo, int hi) {
  int parsed = 0;
  if (!absl::SimpleAtoi(value, &parsed) || parsed < lo || parsed > hi) {
    Usage(absl::StrCat(name, " must be an integer in ", lo, "..", hi, ", not '", value, "'"));
  }
  return parsed;
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    // absl here is built without std::string_view aliasing: keep std::string.
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto next = [&]() -> std::string {
      if (has_value) return value;
      if (i + 1 >= argc) Usage(absl::StrCat(arg, " needs a value"));
      return argv[++i];
    };
    if (arg == "--port") {
      flags.port = IntFlag(arg, next(), 1, 65535);
    } else if (arg == "--clients") {
      flags.clients = IntFlag(arg, next(), 1, 1024);
    } else if (arg == "--seconds") {
      flags.seconds = IntFlag(arg, next(), 1, 3600);
    } else if (arg == "--keys") {
      flags.keys = IntFlag(arg, next(), 1, 1'000'000);
    } else if (arg == "--mode") {
      flags.modes = absl::StrSplit(next(), ',', absl::SkipEmpty());
      if (flags.modes.empty()) Usage("--mode needs at least one of tiered, multiget, store, hiredis");
      for (const std::string& mode : flags.modes) {
        if (mode != "tiered" && mode != "multiget" && mode != "store" && mode != "hiredis") {
          Usage(absl::StrCat("unknown --mode '", mode, "' (expected tiered, multiget, store or hiredis)"));
        }
      }
    } else if (arg == "--uncompressed") {
      if (has_value) Usage("--uncompressed takes no value");
      flags.uncompressed = true;
    } else if (arg == "--help" || arg == "-h") {
      Usage("help");
    } else {
      Usage(absl::StrCat("unknown argument '", arg, "'"));
    }
  }
  if (flags.port == 0) Usage("--port is required");
  if (flags.clients == 0) Usage("--clients is required");
  if (flags.seconds == 0) Usage("--seconds is required");
  return flags;
}

[[noreturn]] void Fail(std::string_view doing, const absl::Status& status) {
  std::fprintf(stderr, "tiered_get_bench: %.*s: %s\n", static_cast<int>(doing.size()), doing.data(),
               status.ToString().c_str());
  std::exit(1);
}

std::string IdOf(int i) {
  char id[16];
  std::snprintf(id, sizeof id, "c-%06d", i);
  return id;
}

// A campaign-like document of about kBodyBytes, with words drawn from a small
// vocabulary so it compresses roughly like real JSON (not like 'xxxx...').
std::string BodyOf(int i, std::mt19937_64& rng) {
  static constexpr std::string_view kWords[] = {
      "spring", "sale",   "summer", "launch", "banner", "mobile", "email",  "retarget",
      "audience", "video", "display", "search", "brand", "promo", "holiday", "loyalty"};
  std::string body = absl::StrCat(R"({"id":")", IdOf(i), R"(","name":"campaign )", i, R"(","priority":)",
                                  i % 10, R"(,"budget_cents":)", 1000 + (i * 7919) % 1'000'000,
                                  R"(,"status":"active","tags":["q2","emea","display"],"description":")");
  std::uniform_int_distribution<size_t> word(0, std::size(kWords) - 1);
  const std::string_view tail = R"("})";
  while (body.size() + tail.size() < kBodyBytes) {
    body.append(kWords[word(rng)]);
    body.push_back(' ');
  }
  body.resize(kBodyBytes - tail.size());
  body.append(tail);
  return body;
}

struct CpuTime {
  double user = 0;    // seconds in user space
  double system = 0;  // seconds in the kernel (here mostly the loopback TCP stack)
};

CpuTime ProcessCpu() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

double PercentileMicros(std::vector<int64_t>& nanos, double p) {
  if (nanos.empty()) return 0;
  size_t rank = static_cast<size_t>(p * static_cast<double>(nanos.size() - 1) + 0.5);
  std::nth_element(nanos.begin(), nanos.begin() + static_cast<ptrdiff_t>(rank), nanos.end());
  return static_cast<double>(nanos[rank]) / 1000.0;
}

// One blocking hiredis connection per bench thread (hiredis mode).
struct HiredisDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
using HiredisConnection = std::unique_ptr<redisContext, HiredisDeleter>;

HiredisConnection ConnectHiredis(int port) {
  HiredisConnection context(redisConnect("127.0.0.1", port));
  if (context == nullptr || context->err != 0) {
    Fail("connecting hiredis", absl::UnavailableError(context == nullptr ? "out of memory" : context->errstr));
  }
  return context;
}

// True when `context` answered `argv` with a reply of `type`.
bool HiredisCommand(redisContext* context, std::initializer_list<std::string_view> args, int type) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (std::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  const bool ok = reply != nullptr && reply->type == type;
  if (reply != nullptr) freeReplyObject(reply);
  return ok;
}

// Runs `op(key index)` from `clients` threads for `seconds`; returns every
// call's latency in nanoseconds and counts failed calls in *errors.
template <class Op>
std::vector<int64_t> Measure(int clients, int seconds, int keys, Op op, uint64_t* errors, double* elapsed) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> failed{0};
  std::vector<std::vector<int64_t>> per_thread(static_cast<size_t>(clients));
  std::latch ready(clients + 1);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(clients));
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(t + 1));
      std::uniform_int_distribution<int> pick(0, keys - 1);
      std::vector<int64_t>& latencies = per_thread[static_cast<size_t>(t)];
      latencies.reserve(size_t{200'000} * static_cast<size_t>(seconds) / static_cast<size_t>(clients));
      ready.arrive_and_wait();
      while (!stop.load(std::memory_order_relaxed)) {
        const int key = pick(rng);
        const auto start = std::chrono::steady_clock::now();
        const bool ok = op(t, key);
        const auto end = std::chrono::steady_clock::now();
        latencies.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
        if (!ok) failed.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  ready.arrive_and_wait();
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop.store(true, std::memory_order_relaxed);
  for (std::thread& thread : threads) thread.join();
  *elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  *errors = failed.load();
  std::vector<int64_t> all;
  for (auto& latencies : per_thread) all.insert(all.end(), latencies.begin(), latencies.end());
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);

  // The store: K records of ~1 KB, one batch.
  absl::StatusOr<std::unique_ptr<marquee::MemoryStore>> store = marquee::OpenMemoryStore({});
  if (!store.ok()) Fail("opening the store", store.status());
  std::vector<std::string> ids;
  ids.reserve(static_cast<size_t>(flags.keys));
  {
    std::mt19937_64 rng(42);
    marquee::WriteBatch batch;
    for (int i = 0; i < flags.keys; ++i) {
      ids.push_back(IdOf(i));
      absl::StatusOr<marquee::Json> body = marquee::Json::Parse(BodyOf(i, rng));
      if (!body.ok()) Fail("building a body", body.status());
      batch.Put(std::string(kCollection), ids.back(), *std::move(body));
    }
    absl::StatusOr<uint64_t> written = (*store)->Write(batch);
    if (!written.ok()) Fail("writing the records", written.status());
  }

  // L2 under a prefix of this run's own, so it starts cold.
  marquee::redis::RedisOptions redis_options{
      .host = "127.0.0.1",
      .port = flags.port,
      .key_prefix = absl::StrCat("tiered_bench:", getpid(), ":"),
      .pool_size = std::max(4, flags.clients),
  };
  if (flags.uncompressed) redis_options.compress_min_bytes = std::numeric_limits<size_t>::max();
  absl::StatusOr<std::unique_ptr<marquee::redis::RedisCache>> remote =
      marquee::redis::OpenRedisCache(redis_options);
  if (!remote.ok()) Fail("opening the Redis cache", remote.status());

  // An L1 that can hold no value: every Get misses it and goes to L2. It
  // has 16 shards of 512 bytes (a value is charged ~1.2 KB), so the fill
  // after each L2 hit takes one shard's lock as in a deployment (32+ shards
  // on this machine by default), not one lock shared by every client.
  absl::StatusOr<std::unique_ptr<marquee::TieredCache>> cache = marquee::TieredCache::Open(
      store->get(), {.l1 = {.capacity_bytes = 16 * 512, .shards = 16}, .remote = remote->get()});
  if (!cache.ok()) Fail("opening the tiered cache", cache.status());
  marquee::TieredCache& tiered = **cache;

  // Warm L2: passes of one Get per key until a pass reads the store no more
  // (the first pass's fills are Puts posted to the cache's executor).
  int passes = 0;
  for (;; ++passes) {
    const uint64_t reads_before = tiered.stats().store_reads;
    for (const std::string& id : ids) {
      auto record = tiered.Get(kCollection, id);
      if (!record.ok()) Fail("warming L2", record.status());
    }
    if (tiered.stats().store_reads == reads_before) break;
    if (passes >= 100) {
      std::fprintf(stderr, "tiered_get_bench: L2 still misses after 100 warm-up passes "
                           "(remote_errors=%" PRIu64 "); is Redis up on port %d?\n",
                   tiered.stats().remote_errors, flags.port);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  {
    const marquee::TieredCacheStats s = tiered.stats();
    std::printf("# warm-up: %d passes; remote_hits=%" PRIu64 " store_reads=%" PRIu64
                " remote_misses=%" PRIu64 " remote_errors=%" PRIu64 " l1_entries=%zu\n",
                passes + 1, s.remote_hits, s.store_reads, s.remote_misses, s.remote_errors, s.l1.entries);
  }

  std::vector<std::string> l2_keys;
  l2_keys.reserve(ids.size());
  for (const std::string& id : ids) l2_keys.push_back(marquee::TieredCache::KeyOf(kCollection, id));

  // Raw values for hiredis mode: 1024 bytes each, as redis-benchmark -d 1024.
  std::vector<std::string> raw_keys;
  if (std::find(flags.modes.begin(), flags.modes.end(), "hiredis") != flags.modes.end()) {
    HiredisConnection connection = ConnectHiredis(flags.port);
    const std::string value(kBodyBytes, 'x');
    for (const std::string& id : ids) {
      raw_keys.push_back(absl::StrCat(redis_options.key_prefix, "raw:", id));
      if (!HiredisCommand(connection.get(), {"SET", raw_keys.back(), value}, REDIS_REPLY_STATUS)) {
        Fail("writing the raw values", absl::UnavailableError("SET failed"));
      }
    }
  }

  int exit_code = 0;
  for (const std::string& mode : flags.modes) {
    const marquee::TieredCacheStats before = tiered.stats();
    const uint64_t l2_hits_before = (*remote)->stats().hits;
    const CpuTime cpu_before = ProcessCpu();
    uint64_t errors = 0;
    double elapsed = 0;
    std::vector<int64_t> nanos;
    if (mode == "tiered") {
      nanos = Measure(flags.clients, flags.seconds, flags.keys, [&](int, int k) {
        return tiered.Get(kCollection, ids[static_cast<size_t>(k)]).ok();
      }, &errors, &elapsed);
    } else if (mode == "multiget") {
      marquee::redis::RedisCache& l2 = **remote;
      nanos = Measure(flags.clients, flags.seconds, flags.keys, [&](int, int k) {
        auto got = l2.MultiGet(std::span<const std::string>(&l2_keys[static_cast<size_t>(k)], 1));
        return got.ok() && (*got)[0].has_value();
      }, &errors, &elapsed);
    } else if (mode == "store") {
      nanos = Measure(flags.clients, flags.seconds, flags.keys, [&](int, int k) {
        return (*store)->Get(kCollection, ids[static_cast<size_t>(k)]).ok();
      }, &errors, &elapsed);
    } else {
      std::vector<HiredisConnection> connections;
      for (int t = 0; t < flags.clients; ++t) connections.push_back(ConnectHiredis(flags.port));
      nanos = Measure(flags.clients, flags.seconds, flags.keys, [&](int t, int k) {
        return HiredisCommand(connections[static_cast<size_t>(t)].get(), {"GET", raw_keys[static_cast<size_t>(k)]},
                              REDIS_REPLY_STRING);
      }, &errors, &elapsed);
    }
    const CpuTime cpu_after = ProcessCpu();
    const double user = cpu_after.user - cpu_before.user;
    const double cpu = user + cpu_after.system - cpu_before.system;
    const marquee::TieredCacheStats after = tiered.stats();
    const uint64_t l2_hits = (*remote)->stats().hits - l2_hits_before;
    const uint64_t ops = nanos.size();
    const uint64_t store_reads = after.store_reads - before.store_reads;
    std::printf("%s clients=%d ops=%" PRIu64 " ops_per_sec=%.0f p50_us=%.1f p95_us=%.1f p99_us=%.1f "
                "cpu_us_per_op=%.1f user_us_per_op=%.1f remote_hits=%" PRIu64 " store_reads=%" PRIu64 " remote_misses=%" PRIu64
                " remote_errors=%" PRIu64 " l2_hits=%" PRIu64 " errors=%" PRIu64 "\n",
                mode.c_str(), flags.clients, ops, static_cast<double>(ops) / elapsed,
                PercentileMicros(nanos, 0.50), PercentileMicros(nanos, 0.95), PercentileMicros(nanos, 0.99),
                ops == 0 ? 0.0 : cpu * 1e6 / static_cast<double>(ops),
                ops == 0 ? 0.0 : user * 1e6 / static_cast<double>(ops), after.remote_hits - before.remote_hits,
                store_reads, after.remote_misses - before.remote_misses,
                after.remote_errors - before.remote_errors, l2_hits, errors);
    std::fflush(stdout);
    if (mode == "tiered" && (store_reads != 0 || errors != 0)) {
      std::fprintf(stderr, "tiered_get_bench: the measured phase read the store %" PRIu64
                           " times (%" PRIu64 " failed Gets): not every read was an L2 hit\n",
                   store_reads, errors);
      exit_code = 1;
    }
  }
  return exit_code;
}
