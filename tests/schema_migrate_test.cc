// Migrate (on demand, with conflicts, racing writers) and BackgroundMigration
// (progress, cancel, destruction) over MemoryStore in memory.
#include <doctest/doctest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "marquee/memory_store.h"
#include "marquee/schema.h"
#include "support/json_edit.h"
#include "support/store_contract.h"

namespace doctest {
template <>
struct StringMaker<marquee::MigrationReport> {
  static String convert(const marquee::MigrationReport& r) {
    return ("{scanned " + std::to_string(r.scanned) + ", rewritten " + std::to_string(r.rewritten) +
            ", conflicts_retried " + std::to_string(r.conflicts_retried) + ", skipped " +
            std::to_string(r.skipped) + ", gone " + std::to_string(r.gone) + "}")
        .c_str();
  }
};
}  // namespace doctest

namespace marquee::test {
namespace {

// "items": v1 {"n":..} -> v2 adds "v2" -> v3 adds "v3"; `hook` (if any) runs
// at the start of every 1 -> 2 upgrade, with the body being upgraded.
std::shared_ptr<const SchemaRegistry> ItemsV3(std::function<void(const Json&)> hook = nullptr) {
  auto registry = SchemaRegistry::Create(
      {{.collection = "items",
        .current_version = 3,
        .upgrades = {{.from_version = 1,
                      .upgrade = [hook](const Json& body) {
                        if (hook) hook(body);
                        return AddField(body, "v2");
                      }},
                     {.from_version = 2,
                      .upgrade = [](const Json& body) { return AddField(body, "v3"); }}}}});
  REQUIRE_MESSAGE(registry.ok(), registry.status().ToString());
  return *std::move(registry);
}

std::unique_ptr<MemoryStore> OpenBase(MemoryStoreOptions options = {}) {
  auto store = OpenMemoryStore(options);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return *std::move(store);
}

std::string Id(int i) {
  std::string id = std::to_string(i);
  return "item-" + std::string(5 - id.size(), '0') + id;
}

// The body of item `i` at `schema`, with the writer's mark `w`.
std::string Body(int i, int w, uint32_t schema) {
  std::string body = "{\"n\":" + std::to_string(i) + ",\"w\":" + std::to_string(w);
  if (schema >= 2) body += ",\"v2\":true";
  if (schema >= 3) body += ",\"v3\":true";
  return body + "}";
}

// Writes `count` items with mark 0, item i at `schema`, or at 1 + i % 3 when
// `schema` is 0; 20 per batch.
void Fill(Store& store, int count, uint32_t schema = 0) {
  WriteBatch batch;
  for (int i = 0; i < count; ++i) {
    uint32_t s = schema != 0 ? schema : 1 + static_cast<uint32_t>(i % 3);
    batch.Put("items", Id(i), J(Body(i, 0, s)), {}, s);
    if (batch.size() == 20 || i + 1 == count) {
      MustWrite(store, batch);
      batch.Clear();
    }
  }
}

// Every stored item, in id order.
std::vector<Record> Items(const Store& base) { return ScanAll(base, "items", "", 500); }

size_t CountAtSchema(const Store& base, uint32_t schema) {
  size_t n = 0;
  for (const Record& r : Items(base)) n += r.schema == schema ? 1 : 0;
  return n;
}

// Checks every stored item is at schema 3 with the body item i had, marked 0.
void CheckAllCurrent(const Store& base, int count) {
  std::vector<Record> all = Items(base);
  REQUIRE(all.size() == static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    CAPTURE(i);
    CHECK(all[i].schema == 3);
    CHECK(all[i].body.text() == Body(i, 0, 3));
  }
}

MigrationReport MustMigrate(Store& base, const SchemaRegistry& registry,
                            const MigrateOptions& options = {}) {
  absl::StatusOr<MigrationReport> report = Migrate(base, registry, "items", options);
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  return *report;
}

bool Contains(const absl::Status& status, std::string_view text) {
  return std::string(status.message()).find(text) != std::string::npos;
}

// A one-shot gate: Block() waits until Open(); WaitBlocked() until someone
// is waiting in Block().
class Gate {
 public:
  void Block() {
    std::unique_lock<std::mutex> lock(mu_);
    blocked_ = true;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
  }
  bool WaitBlocked() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return blocked_; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool blocked_ = false;
  bool open_ = false;
};

// Runs posted tasks only when told to.
class ManualExecutor final : public Executor {
 public:
  void Post(std::function<void()> task) override {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
  }
  size_t RunAll() {
    std::deque<std::function<void()>> tasks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks.swap(tasks_);
    }
    for (auto& task : tasks) task();
    return tasks.size();
  }

 private:
  std::mutex mu_;
  std::deque<std::function<void()>> tasks_;
};

// ---- on demand ------------------------------------------------------------

TEST_CASE("Migrate rewrites a few thousand records in small batches") {
  constexpr int kCount = 3000;
  auto base = OpenBase();
  auto registry = ItemsV3();
  Fill(*base, kCount);  // 1000 each at schema 1, 2 and 3
  MustPut(*base, "others", "x", R"({"a":1})");
  const uint64_t before = base->CurrentVersion();

  MigrationReport report = MustMigrate(*base, *registry, {.batch_size = 64});
  CHECK(report == MigrationReport{.scanned = 3000, .rewritten = 2000, .skipped = 1000});
  CheckAllCurrent(*base, kCount);
  // One atomic write per batch: ceil(3000 / 64) batches, each with old records.
  CHECK(base->CurrentVersion() - before == 47);
  CHECK(MustGet(*base, "others", "x").version == before);  // other collections untouched

  // A second pass finds nothing to do and writes nothing.
  CHECK(MustMigrate(*base, *registry, {.batch_size = 64}) ==
        MigrationReport{.scanned = 3000, .skipped = 3000});
  CHECK(base->CurrentVersion() - before == 47);
}

TEST_CASE("Migrate of an empty collection reports nothing") {
  auto base = OpenBase();
  CHECK(MustMigrate(*base, *ItemsV3()) == MigrationReport{});
}

TEST_CASE("a write between Migrate's read and its rewrite wins") {
  auto base = OpenBase();
  std::atomic<bool> interfered{false};
  // The first upgrade (of item 0) writes three records of the same batch,
  // after Migrate read them and before it writes them back.
  auto registry = ItemsV3([&](const Json&) {
    if (interfered.exchange(true)) return;
    WriteBatch batch;
    batch.Put("items", Id(5), J(Body(5, 99, 1)), {}, 1);  // still old: rewritten again
    batch.Put("items", Id(3), J(Body(3, 77, 3)), {}, 3);  // now current: skipped
    batch.Erase("items", Id(7));                          // gone: not resurrected
    MustWrite(*base, batch);
  });
  Fill(*base, 10, 1);

  MigrationReport report = MustMigrate(*base, *registry, {.batch_size = 10});
  CHECK(report == MigrationReport{.scanned = 10, .rewritten = 8, .conflicts_retried = 3,
                                  .skipped = 1, .gone = 1});
  std::vector<Record> all = Items(*base);
  REQUIRE(all.size() == 9);
  for (const Record& r : all) {
    CAPTURE(r.id);
    CHECK(r.schema == 3);
  }
  CHECK(MustGet(*base, "items", Id(5)).body.text() == Body(5, 99, 3));
  CHECK(MustGet(*base, "items", Id(3)).body.text() == Body(3, 77, 3));
  CHECK(MustGet(*base, "items", Id(0)).body.text() == Body(0, 0, 3));
  CHECK(absl::IsNotFound(base->Get("items", Id(7)).status()));
}

TEST_CASE("Migrate gives up with Aborted on a record that keeps changing") {
  auto base = OpenBase();
  int mark = 0;
  // Every upgrade of item 2 writes item 2 again, so its rewrite always conflicts.
  auto registry = ItemsV3([&](const Json& body) {
    if (body.text().find("\"n\":2,") == std::string_view::npos) return;
    WriteBatch batch;
    batch.Put("items", Id(2), J(Body(2, ++mark, 1)), {}, 1);
    MustWrite(*base, batch);
  });
  Fill(*base, 5, 1);
  absl::Status status =
      Migrate(*base, *registry, "items", {.batch_size = 5, .max_retries_per_record = 3}).status();
  CHECK(absl::IsAborted(status));
  CHECK_MESSAGE(Contains(status, "'items/item-00002' after 4 conflicting writes"), status.ToString());
  CHECK(MustGet(*base, "items", Id(2)).body.text() == Body(2, mark, 1));  // the writer's
}

TEST_CASE("Migrate rewrites one at a time when a batch is too large for the store") {
  auto base = OpenBase({.max_batch_bytes = 2048});
  auto registry = ItemsV3();
  Fill(*base, 200, 1);
  WriteBatch too_large;
  for (int i = 0; i < 100; ++i) too_large.Put("items", Id(i), J(Body(i, 0, 3)), {}, 3);
  REQUIRE(absl::IsResourceExhausted(base->Write(too_large).status()));

  CHECK(MustMigrate(*base, *registry, {.batch_size = 100}) ==
        MigrationReport{.scanned = 200, .rewritten = 200});
  CheckAllCurrent(*base, 200);
}

TEST_CASE("Migrate refuses bad options and unregistered collections") {
  auto base = OpenBase();
  auto registry = ItemsV3();
  CHECK(absl::IsInvalidArgument(Migrate(*base, *registry, "items", {.batch_size = 0}).status()));
  CHECK(absl::IsInvalidArgument(Migrate(*base, *registry, "items", {.batch_size = 100'001}).status()));
  CHECK(absl::IsInvalidArgument(
      Migrate(*base, *registry, "items", {.max_retries_per_record = 0}).status()));
  absl::Status unknown = Migrate(*base, *registry, "others").status();
  CHECK(absl::IsNotFound(unknown));
  CHECK_MESSAGE(Contains(unknown, "'others'"), unknown.ToString());
}

TEST_CASE("Migrate stops at a record newer than known and keeps earlier batches") {
  auto base = OpenBase();
  auto registry = ItemsV3();
  Fill(*base, 10, 1);
  WriteBatch future;
  future.Put("items", Id(6), J(R"({"v4":true})"), {}, 4);
  MustWrite(*base, future);
  absl::Status status = Migrate(*base, *registry, "items", {.batch_size = 5}).status();
  CHECK(absl::IsFailedPrecondition(status));
  CHECK_MESSAGE(Contains(status, "'items/item-00006'"), status.ToString());
  CHECK(CountAtSchema(*base, 3) == 5);  // the first batch
  CHECK(CountAtSchema(*base, 4) == 1);  // untouched
}

TEST_CASE("Migrate stops at a failing upgrade with its status") {
  auto base = OpenBase();
  auto registry = ItemsV3();
  Fill(*base, 3, 1);
  MustPut(*base, "items", Id(1), "[1]");  // an array: AddField refuses it
  absl::Status status = Migrate(*base, *registry, "items").status();
  CHECK(absl::IsInvalidArgument(status));
  CHECK(status.message() ==
        "upgrading 'items/item-00001' from schema version 1 to 2: the body is not an object");
  CHECK(CountAtSchema(*base, 1) == 3);  // its batch was not written
}

// ---- racing writers -------------------------------------------------------

TEST_CASE("Migrate racing concurrent writers loses no write" * doctest::test_suite("concurrent")) {
  constexpr int kCount = 2000;
  constexpr int kWriters = 2;
  auto base = OpenBase();
  auto registry = ItemsV3();
  auto upgrading = OpenSchemaStore(base.get(), registry);
  REQUIRE(upgrading.ok());
  Fill(*base, kCount, 1);

  // Writer k owns the items i with i % kWriters == k and remembers the last
  // mark it wrote to each; it writes old-schema bodies, every other write
  // straight to the base (old code), the others through the upgrading store.
  std::vector<int> last(kCount, 0);
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int k = 0; k < kWriters; ++k) {
    writers.emplace_back([&, k] {
      for (int round = 1; round <= 1000 && !stop.load(); ++round) {
        for (int i = k; i < kCount && !stop.load(); i += kWriters) {
          Store& target = (i / kWriters + round) % 2 == 0 ? static_cast<Store&>(*base) : **upgrading;
          WriteBatch batch;
          batch.Put("items", Id(i), *Json::Parse(Body(i, round, 1)), {}, 1);
          if (target.Write(batch).ok()) {
            last[i] = round;
            writes.fetch_add(1);
          } else {
            failures.fetch_add(1);
          }
        }
      }
    });
  }
  while (writes.load() < 200) std::this_thread::yield();
  absl::StatusOr<MigrationReport> report = Migrate(*base, *registry, "items", {.batch_size = 25});
  stop.store(true);
  for (std::thread& t : writers) t.join();

  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  CHECK(failures.load() == 0);
  CHECK(report->scanned == kCount);
  CHECK(report->gone == 0);
  CHECK(report->scanned == report->rewritten + report->skipped + report->gone);
  MESSAGE("writes: ", writes.load(), ", conflicts retried: ", report->conflicts_retried);

  // Every record holds its writer's last mark, whatever schema it is at.
  std::vector<Record> all = Items(*base);
  REQUIRE(all.size() == static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    CAPTURE(i);
    absl::StatusOr<Record> current = registry->Upgrade(all[i]);
    REQUIRE(current.ok());
    CHECK(current->body.text() == Body(i, last[i], 3));
  }
  // With the writers gone, one more pass leaves everything current. (Small
  // batches: a MemoryStore commit locks every shard its batch touches, and
  // TSan's deadlock detector aborts a thread holding 64 locks.)
  MustMigrate(*base, *registry, {.batch_size = 25});
  all = Items(*base);
  for (int i = 0; i < kCount; ++i) {
    CAPTURE(i);
    CHECK(all[i].schema == 3);
    CHECK(all[i].body.text() == Body(i, last[i], 3));
  }
}

// ---- in the background ----------------------------------------------------

TEST_CASE("a background migration runs to the end on an executor") {
  auto base = OpenBase();
  auto registry = ItemsV3();
  Fill(*base, 300);
  auto pool = MakeThreadPoolExecutor(1);
  auto migration = BackgroundMigration::Start(base.get(), registry, "items", pool.get(),
                                              {.batch_size = 40});
  REQUIRE(migration.ok());
  absl::StatusOr<MigrationReport> report = (*migration)->Wait();
  REQUIRE_MESSAGE(report.ok(), report.status().ToString());
  CHECK(*report == MigrationReport{.scanned = 300, .rewritten = 200, .skipped = 100});
  CHECK((*migration)->done());
  CHECK((*migration)->progress() == *report);
  CHECK((*migration)->Wait().ok());  // Wait may be called again
  CheckAllCurrent(*base, 300);
}

TEST_CASE("a background migration shows progress and stops when cancelled") {
  auto base = OpenBase();
  Gate gate;
  std::atomic<int> upgrades{0};
  // The first upgrade of the third batch waits at the gate.
  auto registry = ItemsV3([&](const Json&) {
    if (upgrades.fetch_add(1) + 1 == 101) gate.Block();
  });
  Fill(*base, 300, 1);
  auto pool = MakeThreadPoolExecutor(1);
  auto migration = BackgroundMigration::Start(base.get(), registry, "items", pool.get(),
                                              {.batch_size = 50});
  REQUIRE(migration.ok());
  REQUIRE(gate.WaitBlocked());
  CHECK((*migration)->progress() == MigrationReport{.scanned = 150, .rewritten = 100});
  CHECK_FALSE((*migration)->done());

  (*migration)->Cancel();
  gate.Open();
  absl::Status status = (*migration)->Wait().status();
  CHECK(absl::IsCancelled(status));
  CHECK_MESSAGE(Contains(status, "after rewriting 100 records"), status.ToString());
  CHECK((*migration)->done());
  CHECK((*migration)->progress().rewritten == 100);  // the third batch was not written
  CHECK(CountAtSchema(*base, 3) == 100);
  CHECK(CountAtSchema(*base, 1) == 200);
}

TEST_CASE("destroying a migration the executor has not started leaves it undone") {
  auto base = OpenBase();
  std::atomic<int> upgrades{0};
  auto registry = ItemsV3([&](const Json&) { upgrades.fetch_add(1); });
  Fill(*base, 20, 1);
  ManualExecutor executor;
  auto migration = BackgroundMigration::Start(base.get(), registry, "items", &executor);
  REQUIRE(migration.ok());
  migration->reset();
  CHECK(executor.RunAll() == 1);  // the task runs late and does nothing
  CHECK(upgrades.load() == 0);
  CHECK(CountAtSchema(*base, 1) == 20);

  // Cancelled before it starts: it ends at once as Cancelled.
  auto cancelled = BackgroundMigration::Start(base.get(), registry, "items", &executor);
  REQUIRE(cancelled.ok());
  (*cancelled)->Cancel();
  CHECK_FALSE((*cancelled)->done());
  CHECK(executor.RunAll() == 1);
  CHECK(absl::IsCancelled((*cancelled)->Wait().status()));
  CHECK(upgrades.load() == 0);
  CHECK(CountAtSchema(*base, 1) == 20);
}

TEST_CASE("destroying a running migration cancels it and waits for it") {
  auto base = OpenBase();
  Gate gate;
  std::atomic<int> upgrades{0};
  auto registry = ItemsV3([&](const Json&) {
    if (upgrades.fetch_add(1) == 0) gate.Block();
  });
  Fill(*base, 400, 1);
  auto pool = MakeThreadPoolExecutor(1);
  auto migration = BackgroundMigration::Start(base.get(), registry, "items", pool.get(),
                                              {.batch_size = 10});
  REQUIRE(migration.ok());
  REQUIRE(gate.WaitBlocked());
  // The destructor must wait for the blocked task, so the gate is opened
  // from another thread; the pause only makes it likely that the destructor
  // has cancelled by then (the checks below hold either way).
  std::thread opener([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    gate.Open();
  });
  migration->reset();
  const int upgrades_after = upgrades.load();
  const size_t current_after = CountAtSchema(*base, 3);
  opener.join();
  pool.reset();  // runs anything still queued, then joins
  CHECK(upgrades.load() == upgrades_after);  // the task had ended
  CHECK(CountAtSchema(*base, 3) == current_after);
  MESSAGE("rewritten before the cancel took effect: ", current_after);
}

TEST_CASE("starting a background migration checks its arguments") {
  auto base = OpenBase();
  auto registry = ItemsV3();
  auto pool = MakeThreadPoolExecutor(1);
  CHECK(absl::IsInvalidArgument(
      BackgroundMigration::Start(nullptr, registry, "items", pool.get()).status()));
  CHECK(absl::IsInvalidArgument(
      BackgroundMigration::Start(base.get(), nullptr, "items", pool.get()).status()));
  CHECK(absl::IsInvalidArgument(
      BackgroundMigration::Start(base.get(), registry, "items", nullptr).status()));
  CHECK(absl::IsInvalidArgument(
      BackgroundMigration::Start(base.get(), registry, "items", pool.get(), {.batch_size = 0})
          .status()));
  CHECK(absl::IsNotFound(
      BackgroundMigration::Start(base.get(), registry, "others", pool.get()).status()));
}

}  // namespace
}  // namespace marquee::test
