// PostgresStore's change feed: the changes table delivers, NOTIFY only
// wakes. A change whose notification is lost, or that commits while a
// watcher's listener is disconnected, still arrives; retention ends a
// watcher that fell behind with OutOfRange.
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "marquee/postgres/postgres_store.h"
#include "support/postgres_database.h"
#include "support/store_contract.h"

namespace marquee::postgres {
namespace {

using test::ChangeCollector;
using test::MustPut;
using test::PostgresUrl;

// Stores sharing one schema (nodes), dropped with it at the end.
class Nodes {
 public:
  Nodes() : url_(PostgresUrl()), schema_(test::UniqueSchema()) {}
  ~Nodes() {
    stores_.clear();
    test::DropSchema(url_, schema_);
  }
  PostgresStore& Open(PostgresStoreOptions options) {
    options.conninfo = url_;
    options.schema = schema_;
    absl::StatusOr<std::unique_ptr<PostgresStore>> store = OpenPostgresStore(options);
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    stores_.push_back(*std::move(store));
    return *stores_.back();
  }
  const std::string& url() const { return url_; }
  const std::string& schema() const { return schema_; }

 private:
  std::string url_;
  std::string schema_;
  std::vector<std::unique_ptr<PostgresStore>> stores_;
};

std::unique_ptr<Subscription> MustWatch(Store& store, uint64_t after, ChangeCollector& collector) {
  absl::StatusOr<std::unique_ptr<Subscription>> sub = store.Watch(after, collector.Handler());
  REQUIRE_MESSAGE(sub.ok(), sub.status().ToString());
  return *std::move(sub);
}

TEST_CASE("a change whose NOTIFY was never sent still arrives by the poll") {
  Nodes nodes;
  // The writer sends no NOTIFY: as if every notification of its commits
  // were lost.
  PostgresStore& silent = nodes.Open({.notify = false});
  PostgresStore& polling = nodes.Open({.poll_interval = absl::Milliseconds(300)});
  // This watcher never polls within the test: only a wake-up reaches it.
  PostgresStore& notified_only = nodes.Open({.poll_interval = absl::Hours(1)});
  ChangeCollector by_poll;
  ChangeCollector by_notify;
  std::unique_ptr<Subscription> poll_sub = MustWatch(polling, 0, by_poll);
  std::unique_ptr<Subscription> notify_sub = MustWatch(notified_only, 0, by_notify);
  // Both watchers have made their first read (and the listener its LISTEN)
  // once a notified write reaches the notify-only one.
  const uint64_t v0 = MustPut(polling, "c", "warm-up", "{}");
  REQUIRE(by_notify.WaitForVersion(v0));
  REQUIRE(by_poll.WaitForVersion(v0));
  // The watcher may have read v0 on its first read, before the NOTIFY of
  // v0 reached its listener; let that wake-up land now, so it cannot be
  // mistaken for one of the silent write below.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  const uint64_t v1 = MustPut(silent, "c", "quiet", R"({"n":1})");
  // The polling watcher gets it within a poll interval or so.
  REQUIRE(by_poll.WaitForVersion(v1, absl::Seconds(5)));
  CHECK(by_poll.changes().back().id == "quiet");
  // Without a NOTIFY and without polling it does not arrive: the poll is
  // what delivered it above.
  CHECK_FALSE(by_notify.WaitForVersion(v1, absl::Seconds(1)));
  // The next notified commit wakes the watcher, which reads the table from
  // its position: the silent change first, then the new one, each once.
  const uint64_t v2 = MustPut(polling, "c", "loud", R"({"n":2})");
  REQUIRE(by_notify.WaitForVersion(v2));
  std::vector<Change> changes = by_notify.changes();
  REQUIRE(changes.size() == 3);
  CHECK(changes[1].version == v1);
  CHECK(changes[1].id == "quiet");
  CHECK(changes[1].record.body.text() == R"({"n":1})");
  CHECK(changes[2].version == v2);
  CHECK(by_poll.error().ok());
  CHECK(by_notify.error().ok());
}

TEST_CASE("a watcher whose listener connection was terminated catches up") {
  Nodes nodes;
  PostgresStore& writer = nodes.Open({});
  PostgresStore& watcher_node = nodes.Open({.poll_interval = absl::Hours(1)});
  ChangeCollector collector;
  std::unique_ptr<Subscription> sub = MustWatch(watcher_node, 0, collector);
  const uint64_t v0 = MustPut(writer, "c", "before", "{}");
  REQUIRE(collector.WaitForVersion(v0));
  // Kill the listener's backend (as a network drop or failover would),
  // and commit while it is gone: that NOTIFY reaches no one.
  const std::string listener = "marquee/listen " + nodes.schema();
  // The first read may have delivered v0 before the listener connected.
  REQUIRE(test::Eventually([&] {
    return test::Sql(nodes.url(), "SELECT count(*) FROM pg_stat_activity WHERE application_name = '" +
                                      listener + "'") == std::vector<std::string>{"1"};
  }));
  std::vector<std::string> killed = test::Sql(
      nodes.url(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                   "WHERE application_name = '" + listener + "'");
  REQUIRE(killed.size() == 1);  // the writer never watched: it has no listener
  uint64_t last = 0;
  for (int i = 0; i < 5; ++i) last = MustPut(writer, "c", "during-" + std::to_string(i), "{}");
  // The listener reconnects and wakes its watchers, which read everything
  // after their position: no poll is needed (it is an hour).
  REQUIRE(collector.WaitForVersion(last));
  std::vector<Change> changes = collector.changes();
  REQUIRE(changes.size() == 6);
  for (size_t i = 1; i < changes.size(); ++i) CHECK(changes[i].version > changes[i - 1].version);
  CHECK(collector.error().ok());
}

TEST_CASE("retention deletes old changes and a watcher behind it gets OutOfRange") {
  Nodes nodes;
  PostgresStore& store = nodes.Open({.changes_max_rows = 5, .prune_interval = absl::ZeroDuration()});
  // A watcher that stops in its handler at its first change, while the
  // store moves on and prunes what it has not read.
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  ChangeCollector collector;
  WatchHandler collect = collector.Handler();
  absl::StatusOr<std::unique_ptr<Subscription>> slow = store.Watch(
      0, [&](const absl::StatusOr<Change>& change) {
        collect(change);
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return release; });
      });
  REQUIRE(slow.ok());
  const uint64_t first = MustPut(store, "c", "k0", "{}");
  REQUIRE(collector.WaitForVersion(first));
  std::vector<uint64_t> versions;
  for (int i = 1; i <= 10; ++i) {
    WriteBatch batch;
    batch.Put("c", "k" + std::to_string(i), test::J("{}"));
    versions.push_back(test::MustWrite(store, batch));
  }
  absl::StatusOr<uint64_t> deleted = store.PruneChanges();
  REQUIRE_MESSAGE(deleted.ok(), deleted.status().ToString());
  CHECK(*deleted == 6);  // 11 commits of one change each, 5 kept
  CHECK(test::Sql(nodes.url(), "SELECT count(*) FROM " + nodes.schema() + ".changes") ==
        std::vector<std::string>{"5"});
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  absl::Status ended = collector.WaitForError();
  CHECK_MESSAGE(absl::IsOutOfRange(ended), ended.ToString());
  CHECK(collector.size() == 1);

  // New watchers: from a deleted position OutOfRange; from the newest
  // deleted version (where retention starts) the five retained changes.
  ChangeCollector late;
  CHECK(absl::IsOutOfRange(store.Watch(0, late.Handler()).status()));
  CHECK(absl::IsOutOfRange(store.Watch(versions[3], late.Handler()).status()));
  std::unique_ptr<Subscription> kept_sub = MustWatch(store, versions[4], late);
  REQUIRE(late.WaitForVersion(versions.back()));
  CHECK(late.size() == 5);
  CHECK(late.changes().front().version == versions[5]);
  // Pruning again finds nothing more to delete.
  CHECK(*store.PruneChanges() == 0);
}

}  // namespace
}  // namespace marquee::postgres
