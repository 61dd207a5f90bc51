// MemoryStore: the Store contract on disk (every fsync policy, and with
// frequent snapshots), then what only MemoryStore promises: durability across
// reopen, checkpoints and automatic snapshots, watch history after reopen,
// the data dir lock, Sync and stats.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/memory_store.h"
#include "support/store_contract.h"
#include "support/temp_dir.h"

namespace marquee::test {
namespace {

// ---- the contract on disk --------------------------------------------------------

std::unique_ptr<Store> OpenOnDisk(Clock* clock, FsyncPolicy fsync, uint64_t snapshot_bytes) {
  auto dir = std::make_shared<TempDir>("contract");
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore(
      {.data_dir = dir->path(), .fsync = fsync, .snapshot_after_log_bytes = snapshot_bytes,
       .clock = clock});
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return OwningStore(std::move(*store), [dir]() mutable { dir.reset(); });
}
constexpr uint64_t kDefaultSnapshotBytes = uint64_t{64} << 20;
std::unique_ptr<Store> OpenAlways(Clock* clock) {
  return OpenOnDisk(clock, FsyncPolicy::kAlways, kDefaultSnapshotBytes);
}
std::unique_ptr<Store> OpenEverySecond(Clock* clock) {
  return OpenOnDisk(clock, FsyncPolicy::kEverySecond, kDefaultSnapshotBytes);
}
std::unique_ptr<Store> OpenNever(Clock* clock) {
  return OpenOnDisk(clock, FsyncPolicy::kNever, kDefaultSnapshotBytes);
}
std::unique_ptr<Store> OpenSnapshotting(Clock* clock) {
  return OpenOnDisk(clock, FsyncPolicy::kNever, 8 << 10);
}

MARQUEE_STORE_CONTRACT_TESTS("MemoryStore on disk fsync always", OpenAlways)
MARQUEE_STORE_CONTRACT_TESTS("MemoryStore on disk fsync every second", OpenEverySecond)
MARQUEE_STORE_CONTRACT_TESTS("MemoryStore on disk fsync never", OpenNever)
MARQUEE_STORE_CONTRACT_TESTS("MemoryStore on disk snapshotting every 8 KiB", OpenSnapshotting)

// ---- helpers ---------------------------------------------------------------------

std::unique_ptr<MemoryStore> MustOpen(const MemoryStoreOptions& options) {
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore(options);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return std::move(*store);
}

// Every record of `collections`, in id order.
std::vector<Record> Dump(const Store& store, const std::vector<std::string>& collections) {
  std::vector<Record> all;
  for (const std::string& collection : collections) {
    std::vector<Record> records = ScanAll(store, collection, "");
    all.insert(all.end(), records.begin(), records.end());
  }
  return all;
}

std::vector<std::string> FileNames(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string SnapshotName(uint64_t version) {
  char name[64];
  std::snprintf(name, sizeof(name), "snapshot-%020llu.msnap",
                static_cast<unsigned long long>(version));
  return name;
}

const char* PolicyName(FsyncPolicy policy) {
  switch (policy) {
    case FsyncPolicy::kAlways: return "always";
    case FsyncPolicy::kEverySecond: return "every second";
    case FsyncPolicy::kNever: return "never";
  }
  return "?";
}

// Writes a varied history into `store`: puts in two collections, schemas,
// updates at later clock times, erases, a multi-op batch. Returns the number
// of committed batches.
int WriteHistory(Store& store, ManualClock& clock, int rounds) {
  int batches = 0;
  for (int i = 0; i < rounds; ++i) {
    WriteBatch batch;
    batch.Put("alpha", absl::StrCat("a", i % 17), J(absl::StrCat("{\"i\":", i, ",\"p\":", i % 5, "}")),
              {}, 1 + i % 3);
    if (i % 3 == 0) batch.Put("beta", absl::StrCat("b", i % 7), J(absl::StrCat("{\"i\":", i, "}")));
    if (i % 5 == 4) batch.Erase("alpha", absl::StrCat("a", (i + 3) % 17));
    MustWrite(store, batch);
    ++batches;
    clock.Advance(absl::Seconds(7));
  }
  return batches;
}

}  // namespace

// ---- durability ------------------------------------------------------------------

TEST_SUITE("memory_store") {

TEST_CASE("MemoryStore reopen keeps records versions and timestamps under every fsync policy") {
  for (FsyncPolicy policy : {FsyncPolicy::kAlways, FsyncPolicy::kEverySecond, FsyncPolicy::kNever}) {
    INFO("fsync ", PolicyName(policy));
    TempDir dir("reopen");
    ManualClock clock(absl::FromUnixSeconds(1'600'000'000));
    MemoryStoreOptions options{.data_dir = dir.path(), .fsync = policy,
                               .snapshot_after_log_bytes = 0, .clock = &clock};
    std::vector<Record> before;
    uint64_t version = 0;
    int batches = 0;
    {
      std::unique_ptr<MemoryStore> store = MustOpen(options);
      CHECK(store->recovery().snapshot_version == 0);
      CHECK(store->recovery().replayed_batches == 0);
      batches = WriteHistory(*store, clock, 60);
      before = Dump(*store, {"alpha", "beta"});
      version = store->CurrentVersion();
      CHECK(store->stats().records == before.size());
    }
    ManualClock later(absl::FromUnixSeconds(1'800'000'000));
    options.clock = &later;
    std::unique_ptr<MemoryStore> store = MustOpen(options);
    CHECK(store->recovery().snapshot_version == 0);
    CHECK(store->recovery().replayed_batches == static_cast<uint64_t>(batches));
    CHECK(store->recovery().truncated_bytes == 0);
    CHECK(store->CurrentVersion() == version);
    CHECK(store->stats().version == version);
    CHECK(store->stats().records == before.size());
    std::vector<Record> after = Dump(*store, {"alpha", "beta"});
    REQUIRE(after.size() == before.size());
    for (size_t i = 0; i < after.size(); ++i) CHECK(after[i] == before[i]);
    // New writes continue the version sequence and use the new clock.
    uint64_t next = MustPut(*store, "alpha", "new", "{}");
    CHECK(next > version);
    CHECK(MustGet(*store, "alpha", "new").created == later.Now());
  }
}

TEST_CASE("MemoryStore indexes from options are rebuilt after reopen") {
  TempDir dir("indexes");
  IndexSpec by_p{.collection = "alpha", .name = "by_p",
                 .fields = {{"/p", SortOrder::kDescending}, {"/i"}}};
  ManualClock clock;
  MemoryStoreOptions options{.data_dir = dir.path(), .indexes = {by_p}, .clock = &clock};
  std::vector<std::string> order;
  {
    std::unique_ptr<MemoryStore> store = MustOpen(options);
    CHECK(store->Indexes("alpha").size() == 1);
    WriteHistory(*store, clock, 40);
    for (const Record& r : ScanAll(*store, "alpha", "by_p")) order.push_back(r.id);
    CHECK(order.size() == store->stats().records - ScanAll(*store, "beta", "").size());
  }
  std::unique_ptr<MemoryStore> store = MustOpen(options);
  std::vector<IndexSpec> indexes = store->Indexes("alpha");
  REQUIRE(indexes.size() == 1);
  CHECK(indexes[0].name == "by_p");
  std::vector<std::string> reopened;
  for (const Record& r : ScanAll(*store, "alpha", "by_p")) reopened.push_back(r.id);
  CHECK(reopened == order);
  // An index declared after recovery covers the recovered records too.
  REQUIRE(store->DefineIndex({.collection = "beta", .name = "by_i", .fields = {{"/i"}}}).ok());
  CHECK(ScanAll(*store, "beta", "by_i").size() == ScanAll(*store, "beta", "").size());
}

TEST_CASE("MemoryStore rejects bad index specs in options") {
  TempDir dir("bad-index");
  absl::StatusOr<std::unique_ptr<MemoryStore>> store = OpenMemoryStore(
      {.data_dir = dir.path(), .indexes = {{.collection = "alpha", .name = "bad name",
                                            .fields = {{"/p"}}}}});
  CHECK_MESSAGE(absl::IsInvalidArgument(store.status()), store.status().ToString());
}

TEST_CASE("MemoryStore creates a missing data dir and refuses a file as one") {
  TempDir dir("create");
  std::string nested = dir.Join("a/b/c");
  {
    std::unique_ptr<MemoryStore> store = MustOpen({.data_dir = nested});
    MustPut(*store, "alpha", "x", "{}");
  }
  CHECK(std::filesystem::is_directory(nested));
  std::string file = dir.Join("plain-file");
  std::ofstream(file) << "not a directory";
  CHECK_FALSE(OpenMemoryStore({.data_dir = file}).ok());
}

TEST_CASE("MemoryStore Checkpoint writes a snapshot that truncates the log and bounds recovery") {
  TempDir dir("checkpoint");
  ManualClock clock;
  MemoryStoreOptions options{.data_dir = dir.path(), .fsync = FsyncPolicy::kAlways,
                             .snapshot_after_log_bytes = 0, .clock = &clock};
  uint64_t checkpoint_version = 0;
  std::vector<Record> before;
  {
    std::unique_ptr<MemoryStore> store = MustOpen(options);
    WriteHistory(*store, clock, 80);
    MemoryStoreStats full = store->stats();
    CHECK(full.log_bytes > 2000);
    CHECK(full.snapshots_written == 0);
    checkpoint_version = store->CurrentVersion();
    REQUIRE(store->Checkpoint().ok());
    MemoryStoreStats after = store->stats();
    CHECK(after.snapshots_written == 1);
    CHECK(after.log_bytes < 1024);
    CHECK(after.log_bytes < full.log_bytes);
    std::vector<std::string> names = FileNames(dir.path());
    CHECK(std::count(names.begin(), names.end(), SnapshotName(checkpoint_version)) == 1);
    for (int i = 0; i < 5; ++i) MustPut(*store, "beta", absl::StrCat("late", i), "{}");
    before = Dump(*store, {"alpha", "beta"});
  }
  std::unique_ptr<MemoryStore> store = MustOpen(options);
  CHECK(store->recovery().snapshot_version == checkpoint_version);
  CHECK(store->recovery().replayed_batches == 5);
  CHECK(store->CurrentVersion() == checkpoint_version + 5);
  std::vector<Record> after = Dump(*store, {"alpha", "beta"});
  REQUIRE(after.size() == before.size());
  for (size_t i = 0; i < after.size(); ++i) CHECK(after[i] == before[i]);
}

TEST_CASE("MemoryStore Checkpoint and Sync without a data dir are no-ops") {
  std::unique_ptr<MemoryStore> store = MustOpen({});
  MustPut(*store, "alpha", "x", "{}");
  CHECK(store->Checkpoint().ok());
  CHECK(store->Sync().ok());
  CHECK(store->stats().snapshots_written == 0);
  CHECK(store->stats().log_bytes == 0);
  CHECK(store->stats().records == 1);
}

TEST_CASE("MemoryStore snapshots automatically after snapshot_after_log_bytes") {
  TempDir dir("auto-snapshot");
  ManualClock clock;
  MemoryStoreOptions options{.data_dir = dir.path(), .fsync = FsyncPolicy::kNever,
                             .snapshot_after_log_bytes = 4096, .clock = &clock};
  std::vector<Record> before;
  {
    std::unique_ptr<MemoryStore> store = MustOpen(options);
    WriteHistory(*store, clock, 200);
    CHECK(Eventually([&] { return store->stats().snapshots_written > 0; }));
    // Snapshots keep the log short: well under the 200 batches it would hold.
    CHECK(Eventually([&] { return store->stats().log_bytes < 3 * 4096; }));
    for (int i = 0; i < 3; ++i) MustPut(*store, "beta", absl::StrCat("late", i), "{}");
    before = Dump(*store, {"alpha", "beta"});
  }
  std::unique_ptr<MemoryStore> store = MustOpen(options);
  CHECK(store->recovery().snapshot_version > 0);
  CHECK(store->recovery().snapshot_version + store->recovery().replayed_batches ==
        store->CurrentVersion());
  std::vector<Record> after = Dump(*store, {"alpha", "beta"});
  REQUIRE(after.size() == before.size());
  for (size_t i = 0; i < after.size(); ++i) CHECK(after[i] == before[i]);
}

// ---- watch history ---------------------------------------------------------------

TEST_CASE("MemoryStore Watch after reopen replays the log's commits") {
  TempDir dir("watch-reopen");
  ManualClock clock;
  MemoryStoreOptions options{.data_dir = dir.path(), .snapshot_after_log_bytes = 0,
                             .clock = &clock};
  {
    std::unique_ptr<MemoryStore> store = MustOpen(options);
    for (int i = 0; i < 10; ++i) MustPut(*store, "alpha", absl::StrCat("k", i), "{}");
  }
  uint64_t snapshot = 0;
  std::vector<uint64_t> after_snapshot;
  {
    // Without a snapshot the whole log is history.
    std::unique_ptr<MemoryStore> store = MustOpen(options);
    ChangeCollector all;
    absl::StatusOr<std::unique_ptr<Subscription>> sub = store->Watch(0, all.Handler());
    REQUIRE_MESSAGE(sub.ok(), sub.status().ToString());
    REQUIRE(all.WaitForVersion(store->CurrentVersion()));
    CHECK(all.size() == 10);
    sub->reset();
    REQUIRE(store->Checkpoint().ok());
    snapshot = store->CurrentVersion();
    for (int i = 0; i < 10; ++i) {
      after_snapshot.push_back(MustPut(*store, "alpha", absl::StrCat("k", i),
                                       absl::StrCat("{\"i\":", i, "}")));
    }
  }
  std::unique_ptr<MemoryStore> store = MustOpen(options);
  REQUIRE(store->recovery().snapshot_version == snapshot);
  ChangeCollector from_snapshot;
  ChangeCollector from_middle;
  absl::StatusOr<std::unique_ptr<Subscription>> a = store->Watch(snapshot, from_snapshot.Handler());
  absl::StatusOr<std::unique_ptr<Subscription>> b =
      store->Watch(after_snapshot[4], from_middle.Handler());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  uint64_t live = MustPut(*store, "alpha", "live", "{}");
  REQUIRE(from_snapshot.WaitForVersion(live));
  REQUIRE(from_middle.WaitForVersion(live));
  std::vector<Change> changes = from_snapshot.changes();
  REQUIRE(changes.size() == 11);
  for (size_t i = 0; i < 10; ++i) {
    CHECK(changes[i].version == after_snapshot[i]);
    CHECK(changes[i].kind == Change::Kind::kPut);
    CHECK(changes[i].record == MustGet(*store, "alpha", changes[i].id));
  }
  CHECK(changes[10].version == live);
  CHECK(from_middle.size() == 6);
  // Commits before the snapshot are not history any more.
  ChangeCollector too_early;
  CHECK_MESSAGE(absl::IsOutOfRange(store->Watch(snapshot - 1, too_early.Handler()).status()),
                "watching from before the snapshot");
  CHECK(absl::IsOutOfRange(store->Watch(0, too_early.Handler()).status()));
}

TEST_CASE("MemoryStore watch_history bounds how far back a watcher may start") {
  ManualClock clock;
  std::unique_ptr<MemoryStore> store = MustOpen({.watch_history = 10, .clock = &clock});
  std::vector<uint64_t> versions;
  for (int i = 0; i < 50; ++i) versions.push_back(MustPut(*store, "alpha", "k", "{}"));
  ChangeCollector recent;
  absl::StatusOr<std::unique_ptr<Subscription>> sub = store->Watch(versions[39], recent.Handler());
  REQUIRE_MESSAGE(sub.ok(), sub.status().ToString());
  REQUIRE(recent.WaitForVersion(versions.back()));
  std::vector<Change> changes = recent.changes();
  REQUIRE(changes.size() == 10);
  for (size_t i = 0; i < 10; ++i) CHECK(changes[i].version == versions[40 + i]);
  ChangeCollector old;
  CHECK(absl::IsOutOfRange(store->Watch(0, old.Handler()).status()));
  CHECK(absl::IsOutOfRange(store->Watch(versions[10], old.Handler()).status()));
}

TEST_CASE("MemoryStore a watcher that falls behind gets every change or OutOfRange and no gap") {
  ManualClock clock;
  std::unique_ptr<MemoryStore> store = MustOpen({.watch_history = 10, .clock = &clock});
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ChangeCollector slow;
  WatchHandler inner = slow.Handler();
  std::atomic<bool> blocked_once{false};
  absl::StatusOr<std::unique_ptr<Subscription>> sub =
      store->Watch(0, [&, inner](const absl::StatusOr<Change>& change) {
        if (!blocked_once.exchange(true)) released.wait_for(std::chrono::seconds(5));
        inner(change);
      });
  REQUIRE(sub.ok());
  std::vector<uint64_t> versions;
  for (int i = 0; i < 100; ++i) versions.push_back(MustPut(*store, "alpha", absl::StrCat("k", i), "{}"));
  release.set_value();
  REQUIRE(Eventually([&] {
    return !slow.error().ok() || (slow.size() > 0 && slow.changes().back().version == versions.back());
  }));
  std::vector<Change> changes = slow.changes();
  for (size_t i = 0; i < changes.size(); ++i) CHECK(changes[i].version == versions[i]);
  if (!slow.error().ok()) {
    CHECK_MESSAGE(absl::IsOutOfRange(slow.error()), slow.error().ToString());
    MESSAGE("the slow watcher got ", changes.size(), " changes, then ", slow.error().ToString());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(slow.calls_after_error() == 0);
  sub->reset();
}

TEST_CASE("MemoryStore shutdown cancels live watchers") {
  ChangeCollector watcher;
  std::unique_ptr<Subscription> sub;
  {
    std::unique_ptr<MemoryStore> store = MustOpen({});
    uint64_t v = MustPut(*store, "alpha", "k", "{}");
    absl::StatusOr<std::unique_ptr<Subscription>> watching = store->Watch(0, watcher.Handler());
    REQUIRE(watching.ok());
    REQUIRE(watcher.WaitForVersion(v));
    sub = std::move(*watching);
  }
  CHECK_MESSAGE(absl::IsCancelled(watcher.WaitForError(absl::Seconds(5))), watcher.error().ToString());
  sub.reset();  // the subscription may outlive the store
  CHECK(watcher.calls_after_error() == 0);
}

// ---- the lock, Sync and stats ---------------------------------------------------

TEST_CASE("MemoryStore a second open of the same data dir is FailedPrecondition") {
  TempDir dir("lock");
  std::unique_ptr<MemoryStore> first = MustOpen({.data_dir = dir.path()});
  absl::StatusOr<std::unique_ptr<MemoryStore>> second = OpenMemoryStore({.data_dir = dir.path()});
  CHECK_MESSAGE(absl::IsFailedPrecondition(second.status()), second.status().ToString());
  MustPut(*first, "alpha", "x", "{}");  // the first store is unaffected
  first.reset();
  std::unique_ptr<MemoryStore> third = MustOpen({.data_dir = dir.path()});
  CHECK(third->Get("alpha", "x").ok());
}

TEST_CASE("MemoryStore Sync and WriteOptions sync force an fsync under fsync never") {
  TempDir dir("sync");
  std::unique_ptr<MemoryStore> store =
      MustOpen({.data_dir = dir.path(), .fsync = FsyncPolicy::kNever});
  MustPut(*store, "alpha", "x", "{}");
  uint64_t fsyncs = store->stats().fsyncs;
  REQUIRE(store->Sync().ok());
  CHECK(store->stats().fsyncs > fsyncs);
  fsyncs = store->stats().fsyncs;
  WriteBatch batch;
  batch.Put("alpha", "y", J("{}"));
  REQUIRE(store->Write(batch, {.sync = true}).ok());
  CHECK(store->stats().fsyncs > fsyncs);
}

TEST_CASE("MemoryStore fsync every second syncs in the background") {
  TempDir dir("every-second");
  std::unique_ptr<MemoryStore> store =
      MustOpen({.data_dir = dir.path(), .fsync = FsyncPolicy::kEverySecond});
  uint64_t fsyncs = store->stats().fsyncs;
  MustPut(*store, "alpha", "x", "{}");
  CHECK(Eventually([&] { return store->stats().fsyncs > fsyncs; }, absl::Seconds(5)));
}

TEST_CASE("MemoryStore stats counters move") {
  TempDir dir("stats");
  ManualClock clock;
  std::unique_ptr<MemoryStore> store = MustOpen(
      {.data_dir = dir.path(), .fsync = FsyncPolicy::kAlways, .snapshot_after_log_bytes = 0,
       .clock = &clock});
  MemoryStoreStats empty = store->stats();
  CHECK(empty.records == 0);
  CHECK(empty.version == 0);
  CHECK(empty.snapshots_written == 0);
  MustPut(*store, "alpha", "a", "{}");
  MemoryStoreStats one = store->stats();
  CHECK(one.records == 1);
  CHECK(one.version == store->CurrentVersion());
  CHECK(one.log_bytes > empty.log_bytes);
  CHECK(one.fsyncs > empty.fsyncs);
  CHECK(one.group_commits > empty.group_commits);
  WriteBatch two;
  two.Put("alpha", "b", J("{}")).Put("beta", "c", J("{}"));
  MustWrite(*store, two);
  MemoryStoreStats three = store->stats();
  CHECK(three.records == 3);
  CHECK(three.log_bytes > one.log_bytes);
  CHECK(three.group_commits > one.group_commits);
  CHECK(three.group_commits <= empty.group_commits + 2);
  WriteBatch erase;
  erase.Erase("alpha", "a");
  MustWrite(*store, erase);
  CHECK(store->stats().records == 2);
  REQUIRE(store->Checkpoint().ok());
  CHECK(store->stats().snapshots_written == 1);
  CHECK(store->stats().version == store->CurrentVersion());
}

TEST_CASE("MemoryStore rejects a batch larger than max_batch_bytes") {
  ManualClock clock;
  std::unique_ptr<MemoryStore> store = MustOpen({.max_batch_bytes = 1024, .clock = &clock});
  uint64_t v = MustPut(*store, "alpha", "small", "{}");
  WriteBatch big;
  big.Put("alpha", "big", J(absl::StrCat("{\"s\":\"", std::string(2000, 'x'), "\"}")));
  absl::StatusOr<uint64_t> result = store->Write(big);
  CHECK_MESSAGE(absl::IsResourceExhausted(result.status()), result.status().ToString());
  CHECK(store->CurrentVersion() == v);
  CHECK(absl::IsNotFound(store->Get("alpha", "big").status()));
}

}  // TEST_SUITE

}  // namespace marquee::test
