// Crash test: a child process (marquee_crash_writer, see
// tests/support/crash_writer.cc) writes batches from several threads with
// fsync=always while snapshots happen; the parent kill -9s it at a random
// moment, reopens the store and checks that recovery kept every acknowledged
// batch and that every batch is either wholly present or wholly absent.
//
// How the check is exact: each batch writes its id into every record it puts
// and also puts its thread's marker record. Per thread, at most one batch is
// in flight (begun, neither acknowledged nor failed) when the child dies; its
// marker tells whether it committed, and with which version. So the set of
// committed batches and their versions is known exactly; replaying them in
// version order over the previous state gives the one correct final state,
// which the store must match key by key (presence, version and batch id), and
// CurrentVersion must be the highest committed version.
// Each data dir lives through several crash/recover cycles.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "marquee/memory_store.h"
#include "support/store_contract.h"
#include "support/temp_dir.h"

namespace marquee::test {
namespace {

constexpr int kDirs = 12;
constexpr int kTrialsPerDir = 5;
constexpr int kWriterThreads = 4;
constexpr int kKeysPerCollection = 12;

struct ChildOutput {
  std::vector<std::string> lines;
  std::string partial;  // an unterminated last line (must never matter)
  int wait_status = 0;
  bool ready = false;
};

// Runs the crash writer on `dir` with `seed`, kills it with SIGKILL
// `kill_after` after it reported ready, and returns everything it printed.
ChildOutput RunAndKill(const std::string& dir, uint64_t seed, std::chrono::milliseconds kill_after) {
  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
  std::string seed_text = std::to_string(seed);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);  // dup2 clears O_CLOEXEC on the copy
    const char* argv[] = {MARQUEE_CRASH_WRITER, dir.c_str(), seed_text.c_str(), nullptr};
    execv(MARQUEE_CRASH_WRITER, const_cast<char* const*>(argv));
    _exit(127);
  }
  close(fds[1]);
  ChildOutput out;
  std::string buffer;
  auto started = std::chrono::steady_clock::now();
  std::optional<std::chrono::steady_clock::time_point> kill_at;
  bool killed = false;
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    if (!killed && kill_at && now >= *kill_at) {
      kill(pid, SIGKILL);
      killed = true;
    }
    if (!killed && !kill_at && now - started > std::chrono::seconds(30)) {
      kill(pid, SIGKILL);  // never became ready
      killed = true;
    }
    int timeout_ms = 100;
    if (!killed && kill_at) {
      timeout_ms = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(*kill_at - now).count()) + 1;
    }
    pollfd pfd{.fd = fds[0], .events = POLLIN, .revents = 0};
    int ready = poll(&pfd, 1, timeout_ms);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    char chunk[65536];
    ssize_t n = read(fds[0], chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child is gone
    buffer.append(chunk, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      out.lines.push_back(buffer.substr(start, nl - start));
      if (!out.ready && out.lines.back().rfind("ready ", 0) == 0) {
        out.ready = true;
        kill_at = std::chrono::steady_clock::now() + kill_after;
      }
    }
    buffer.erase(0, start);
  }
  close(fds[0]);
  out.partial = buffer;
  waitpid(pid, &out.wait_status, 0);
  return out;
}

struct KeyState {
  std::string batch;  // the batch id in its body
  uint64_t version = 0;
};
using State = std::map<std::string, KeyState>;  // "collection/id" -> record; absent = erased

struct Op {
  bool put = true;
  std::string collection, id;
};
struct Batch {
  std::string id{};
  int thread = -1;
  std::vector<Op> ops{};
  std::optional<uint64_t> acked{};
  bool failed = false;
};

std::vector<std::pair<std::string, std::string>> AllKeys() {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const char* collection : {"ca", "cb"}) {
    for (int i = 0; i < kKeysPerCollection; ++i) keys.emplace_back(collection, absl::StrCat("k", i));
  }
  for (int t = 0; t < kWriterThreads; ++t) keys.emplace_back("markers", absl::StrCat("t", t));
  return keys;
}

struct Totals {
  int trials = 0;
  int torn_tails = 0;
  uint64_t truncated_bytes = 0;
  int snapshot_recoveries = 0;
  uint64_t acknowledged = 0;
  uint64_t in_flight_committed = 0;
  uint64_t in_flight_lost = 0;
};

// Parses the child's output, reopens the store and checks it against
// `state` + the committed batches; on success `state` and `version` become
// the recovered store's.
void VerifyTrial(const std::string& dir, const ChildOutput& out, State& state, uint64_t& version,
                 Totals& totals) {
  std::map<std::string, Batch> batches;
  std::vector<std::string> begun_order;
  for (const std::string& line : out.lines) {
    std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
    REQUIRE_FALSE(words.empty());
    if (words[0] == "begin") {
      REQUIRE(words.size() >= 3);
      Batch batch{.id = words[1]};
      std::vector<std::string> id_parts = absl::StrSplit(words[1], '-');
      REQUIRE(id_parts.size() == 3);
      batch.thread = std::atoi(id_parts[1].c_str());
      for (size_t i = 2; i < words.size(); ++i) {
        std::vector<std::string> op = absl::StrSplit(words[i], ':');
        REQUIRE(op.size() == 3);
        batch.ops.push_back({op[0] == "P", op[1], op[2]});
      }
      begun_order.push_back(batch.id);
      batches[batch.id] = batch;
    } else if (words[0] == "ack") {
      REQUIRE(words.size() == 3);
      REQUIRE(batches.count(words[1]) == 1);
      batches[words[1]].acked = std::strtoull(words[2].c_str(), nullptr, 10);
    } else if (words[0] == "fail") {
      REQUIRE(batches.count(words[1]) == 1);
      batches[words[1]].failed = true;
    } else if (words[0] == "error") {
      FAIL("the crash writer failed: ", line);
    }
  }
  // The partial line can only be a write cut by the kill, which write(2) on a
  // pipe never splits; it must be empty.
  CHECK_MESSAGE(out.partial.empty(), "unterminated output: ", out.partial);

  absl::StatusOr<std::unique_ptr<MemoryStore>> opened = OpenMemoryStore({.data_dir = dir});
  REQUIRE_MESSAGE(opened.ok(), "reopen after the crash: ", opened.status().ToString());
  MemoryStore& store = **opened;
  const RecoveryReport& recovery = store.recovery();
  if (recovery.truncated_bytes > 0) {
    ++totals.torn_tails;
    totals.truncated_bytes += recovery.truncated_bytes;
  }
  if (recovery.snapshot_version > 0) ++totals.snapshot_recoveries;

  // The committed batches: every acknowledged one, and each thread's
  // in-flight batch if its marker carries its id.
  std::map<uint64_t, const Batch*> committed;
  uint64_t max_acked = 0;
  std::map<int, const Batch*> in_flight;
  for (const std::string& id : begun_order) {
    const Batch& batch = batches[id];
    if (batch.acked) {
      CHECK_MESSAGE(committed.count(*batch.acked) == 0, "two batches acknowledged as version ",
                    *batch.acked);
      CHECK_MESSAGE(*batch.acked > version, "acknowledged version ", *batch.acked,
                    " not above the previous recovery's ", version);
      committed[*batch.acked] = &batch;
      max_acked = std::max(max_acked, *batch.acked);
      ++totals.acknowledged;
    } else if (!batch.failed) {
      CHECK_MESSAGE(in_flight.count(batch.thread) == 0, "two batches in flight on one thread");
      in_flight[batch.thread] = &batch;
    }
  }
  for (const auto& [thread, batch] : in_flight) {
    absl::StatusOr<Record> marker = store.Get("markers", absl::StrCat("t", thread));
    if (marker.ok() && StringField(marker->body, "b") == batch->id) {
      CHECK_MESSAGE(committed.count(marker->version) == 0, "in-flight batch ", batch->id,
                    " has the version of an acknowledged batch");
      CHECK(marker->version > version);
      committed[marker->version] = batch;
      ++totals.in_flight_committed;
    } else {
      ++totals.in_flight_lost;
    }
  }
  uint64_t expected_version = version;
  for (const auto& [v, batch] : committed) {
    for (const Op& op : batch->ops) {
      std::string key = op.collection + "/" + op.id;
      if (op.put) {
        state[key] = KeyState{batch->id, v};
      } else {
        state.erase(key);
      }
    }
    expected_version = std::max(expected_version, v);
  }

  CHECK(store.CurrentVersion() >= max_acked);
  CHECK_MESSAGE(store.CurrentVersion() == expected_version,
                "CurrentVersion ", store.CurrentVersion(), ", highest committed batch ",
                expected_version);
  int mismatches = 0;
  for (const auto& [collection, id] : AllKeys()) {
    std::string key = collection + "/" + id;
    absl::StatusOr<Record> got = store.Get(collection, id);
    auto want = state.find(key);
    std::string got_text = got.ok() ? absl::StrCat(StringField(got->body, "b"), "@", got->version)
                                    : got.status().ToString();
    std::string want_text =
        want == state.end() ? "absent" : absl::StrCat(want->second.batch, "@", want->second.version);
    bool same = want == state.end()
                    ? absl::IsNotFound(got.status())
                    : got.ok() && got->version == want->second.version &&
                          StringField(got->body, "b") == want->second.batch;
    if (!same && ++mismatches <= 10) {
      FAIL_CHECK("after recovery ", key, " is ", got_text, ", expected ", want_text,
                 " (recovery: snapshot ", recovery.snapshot_version, ", replayed ",
                 recovery.replayed_batches, ", truncated ", recovery.truncated_bytes, ")");
    }
  }
  CHECK(mismatches == 0);
  size_t records = 0;
  for (const char* collection : {"ca", "cb", "markers"}) {
    records += ScanAll(store, collection, "").size();
  }
  CHECK(records == state.size());
  version = store.CurrentVersion();
}

TEST_CASE("MemoryStore keeps every acknowledged batch across kill -9" *
          doctest::test_suite("concurrent")) {
  // Random kill moments; MARQUEE_CRASH_SEED=<n> replays a run's choices.
  const char* env = std::getenv("MARQUEE_CRASH_SEED");
  const uint64_t base_seed = env != nullptr && *env != '\0' ? std::strtoull(env, nullptr, 10)
                                                            : std::random_device{}() % 1'000'000;
  std::mt19937_64 rng(base_seed);
  INFO("base seed ", base_seed, " (replay with MARQUEE_CRASH_SEED)");
  Totals totals;
  for (int d = 0; d < kDirs; ++d) {
    TempDir dir("crash");
    State state;
    uint64_t version = 0;
    for (int trial = 0; trial < kTrialsPerDir; ++trial) {
      const uint64_t seed = base_seed * 1000 + static_cast<uint64_t>(d * kTrialsPerDir + trial);
      const auto delay = std::chrono::milliseconds(5 + rng() % 196);
      INFO("dir ", d, " trial ", trial, " seed ", seed, " kill after ", delay.count(), " ms");
      ChildOutput out = RunAndKill(dir.path(), seed, delay);
      REQUIRE_MESSAGE(out.ready, "the writer never became ready; output: ",
                      out.lines.empty() ? out.partial : out.lines.back());
      REQUIRE_MESSAGE(WIFSIGNALED(out.wait_status), "the writer exited by itself: ",
                      out.lines.empty() ? "" : out.lines.back());
      CHECK(WTERMSIG(out.wait_status) == SIGKILL);
      VerifyTrial(dir.path(), out, state, version, totals);
      ++totals.trials;
    }
  }
  MESSAGE(totals.trials, " crash trials: ", totals.acknowledged, " acknowledged batches, ",
          totals.in_flight_committed, " in-flight batches committed, ", totals.in_flight_lost,
          " in-flight batches lost, ", totals.torn_tails, " torn tails (",
          totals.truncated_bytes, " bytes) truncated, ", totals.snapshot_recoveries,
          " recoveries from a snapshot");
  CHECK(totals.trials >= 50);
  CHECK(totals.acknowledged > 0);
}

}  // namespace
}  // namespace marquee::test
