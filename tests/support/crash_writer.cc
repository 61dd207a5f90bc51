// marquee_crash_writer <data dir> <seed>: the child process of
// tests/store_crash_test.cc.
//
// Opens a MemoryStore with fsync=always and a small snapshot threshold (so
// snapshots happen while it runs), prints "ready <version>", then writes
// batches from several threads until it is killed. Every batch writes its
// batch id into each record it puts, and puts the writer thread's marker
// record markers/t<thread>, so the parent can tell exactly which batches were
// committed. Protocol, one line per write(2) (atomic on a pipe):
//
//   begin <batch id> <op>...   before Write; op = P:<collection>:<id> | E:<collection>:<id>
//   ack <batch id> <version>   after Write returned OK (the batch is acknowledged)
//   fail <batch id>            after Write returned FailedPrecondition (a CAS lost)
//   error <text>               anything else; the writer exits with status 3
//
// Put bodies are {"b":"<batch id>"}. Batch ids are <seed>-<thread>-<sequence>.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/memory_store.h"

namespace {

constexpr int kThreads = 4;
constexpr int kKeysPerCollection = 12;
constexpr uint64_t kSnapshotAfterLogBytes = 16 << 10;

std::mutex output_mu;

void Emit(const std::string& line) {
  std::lock_guard<std::mutex> lock(output_mu);
  std::string text = line + "\n";
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(4);  // the parent is gone
    done += static_cast<size_t>(n);
  }
}

[[noreturn]] void Fail(const std::string& what) {
  Emit("error " + what);
  _exit(3);
}

void WriterLoop(marquee::MemoryStore* store, uint64_t seed, int thread) {
  std::mt19937_64 rng(seed * 31 + static_cast<uint64_t>(thread));
  for (uint64_t sequence = 0;; ++sequence) {
    std::string batch_id = absl::StrCat(seed, "-", thread, "-", sequence);
    std::string body_text = absl::StrCat("{\"b\":\"", batch_id, "\"}");
    absl::StatusOr<marquee::Json> body = marquee::Json::Parse(body_text);
    if (!body.ok()) Fail(body.status().ToString());
    marquee::WriteBatch batch;
    std::string line = "begin " + batch_id;
    std::set<std::string> used;
    const int ops = 1 + static_cast<int>(rng() % 4);
    const bool cas = rng() % 10 < 3;
    for (int i = 0; i < ops; ++i) {
      std::string collection = rng() % 2 ? "ca" : "cb";
      std::string id = absl::StrCat("k", rng() % kKeysPerCollection);
      if (!used.insert(collection + "/" + id).second) continue;
      marquee::WriteCondition condition;
      if (cas && i == 0) {
        absl::StatusOr<marquee::Record> current = store->Get(collection, id);
        if (current.ok()) {
          condition.expected_version = current->version;
        } else if (absl::IsNotFound(current.status())) {
          condition.expected_version = 0;
        } else {
          Fail(current.status().ToString());
        }
      }
      if (rng() % 4 == 0) {
        batch.Erase(collection, id, condition);
        absl::StrAppend(&line, " E:", collection, ":", id);
      } else {
        batch.Put(collection, id, *body, condition);
        absl::StrAppend(&line, " P:", collection, ":", id);
      }
    }
    std::string marker = absl::StrCat("t", thread);
    batch.Put("markers", marker, *body);
    absl::StrAppend(&line, " P:markers:", marker);
    Emit(line);
    absl::StatusOr<uint64_t> version = store->Write(batch);
    if (version.ok()) {
      Emit(absl::StrCat("ack ", batch_id, " ", *version));
    } else if (absl::IsFailedPrecondition(version.status())) {
      Emit("fail " + batch_id);
    } else {
      Fail(absl::StrCat(batch_id, " ", version.status().ToString()));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    Emit("error usage: marquee_crash_writer <data dir> <seed>");
    return 2;
  }
  alarm(60);  // never outlive a parent that forgot to kill us
  const uint64_t seed = std::strtoull(argv[2], nullptr, 10);
  absl::StatusOr<std::unique_ptr<marquee::MemoryStore>> store = marquee::OpenMemoryStore(
      {.data_dir = argv[1], .fsync = marquee::FsyncPolicy::kAlways,
       .snapshot_after_log_bytes = kSnapshotAfterLogBytes});
  if (!store.ok()) {
    Emit("error open: " + store.status().ToString());
    return 3;
  }
  const marquee::RecoveryReport& recovery = (*store)->recovery();
  Emit(absl::StrCat("ready ", (*store)->CurrentVersion(), " truncated ", recovery.truncated_bytes));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(WriterLoop, store->get(), seed, t);
  for (std::thread& thread : threads) thread.join();  // never: killed first
  return 0;
}
