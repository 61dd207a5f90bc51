// PostgresStore when PostgreSQL goes away: terminated backends, a restart
// of the server, a held lock, bad addresses. Nodes reconnect on their next
// call, watchers catch up from the changes table, and nothing hangs.
#include <doctest/doctest.h>
#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "marquee/postgres/postgres_store.h"
#include "support/postgres_database.h"
#include "support/store_contract.h"

namespace marquee::postgres {
namespace {

using test::ChangeCollector;
using test::MustGet;
using test::MustPut;
using test::PostgresUrl;

std::unique_ptr<PostgresStore> MustOpen(const PostgresStoreOptions& options) {
  absl::StatusOr<std::unique_ptr<PostgresStore>> store = OpenPostgresStore(options);
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return *std::move(store);
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST_CASE("a store reconnects after its backends are terminated") {
  const std::string url = PostgresUrl();
  const std::string schema = test::UniqueSchema();
  {
    std::unique_ptr<PostgresStore> store = MustOpen({.conninfo = url, .schema = schema});
    const uint64_t v1 = MustPut(*store, "c", "a", R"({"n":1})");
    CHECK(MustGet(*store, "c", "a").version == v1);
    for (int round = 0; round < 3; ++round) {
      INFO("round ", round);
      std::vector<std::string> killed = test::Sql(
          url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
               "WHERE application_name = 'marquee " + schema + "'");
      CHECK(!killed.empty());
      // Every pooled connection is dead; the next calls reconnect.
      CHECK(MustGet(*store, "c", "a").body.text() == R"({"n":1})");
      WriteBatch batch;
      batch.Put("c", "a", test::J(R"({"n":1})"), {.expected_version = MustGet(*store, "c", "a").version});
      test::MustWrite(*store, batch);
      CHECK(test::MustScan(*store, {.collection = "c"}).records.size() == 1);
    }
  }
  test::DropSchema(url, schema);
}

TEST_CASE("PostgreSQL restarted: nodes reconnect and watchers catch up from the changes table") {
  test::PostgresServer server;
  std::unique_ptr<PostgresStore> writer =
      MustOpen({.conninfo = server.url(), .connect_timeout = absl::Seconds(2)});
  std::unique_ptr<PostgresStore> reader = MustOpen(
      {.conninfo = server.url(), .connect_timeout = absl::Seconds(2),
       .poll_interval = absl::Milliseconds(200)});
  ChangeCollector collector;
  absl::StatusOr<std::unique_ptr<Subscription>> sub = reader->Watch(0, collector.Handler());
  REQUIRE(sub.ok());
  std::vector<uint64_t> versions;
  for (int i = 0; i < 3; ++i) versions.push_back(MustPut(*writer, "c", "k" + std::to_string(i), "{}"));
  REQUIRE(collector.WaitForVersion(versions.back()));

  server.Stop();
  // While it is down, calls fail with Unavailable, promptly.
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<Record> down = writer->Get("c", "k0");
  CHECK_MESSAGE(absl::IsUnavailable(down.status()), down.status().ToString());
  WriteBatch batch;
  batch.Put("c", "lost", test::J("{}"));
  CHECK(absl::IsUnavailable(writer->Write(batch).status()));
  CHECK(SecondsSince(start) < 10);

  server.Start();
  // The writer reconnects on its next call; the reader's listener
  // reconnects and its watcher reads what was committed meanwhile.
  for (int i = 3; i < 6; ++i) versions.push_back(MustPut(*writer, "c", "k" + std::to_string(i), "{}"));
  REQUIRE(collector.WaitForVersion(versions.back(), absl::Seconds(20)));
  std::vector<Change> changes = collector.changes();
  REQUIRE(changes.size() == versions.size());
  for (size_t i = 0; i < versions.size(); ++i) {
    CHECK(changes[i].version == versions[i]);
    CHECK(changes[i].id == "k" + std::to_string(i));
  }
  CHECK(collector.error().ok());
  CHECK(MustGet(*reader, "c", "k5").version == versions.back());
  CHECK(absl::IsNotFound(reader->Get("c", "lost").status()));
}

TEST_CASE("a writer blocked by a held lock times out with Unavailable instead of hanging") {
  const std::string url = PostgresUrl();
  const std::string schema = test::UniqueSchema();
  {
    std::unique_ptr<PostgresStore> store = MustOpen(
        {.conninfo = url, .schema = schema, .statement_timeout = absl::Milliseconds(500)});
    MustPut(*store, "c", "a", "{}");
    // Another session holds the store's writer lock.
    PGconn* holder = PQconnectdb(url.c_str());
    REQUIRE(PQstatus(holder) == CONNECTION_OK);
    PQclear(PQexec(holder, ("BEGIN; SELECT * FROM " + schema + ".meta FOR UPDATE").c_str()));
    const auto start = std::chrono::steady_clock::now();
    WriteBatch batch;
    batch.Put("c", "b", test::J("{}"));
    absl::StatusOr<uint64_t> blocked = store->Write(batch);
    CHECK_MESSAGE(absl::IsUnavailable(blocked.status()), blocked.status().ToString());
    CHECK(SecondsSince(start) < 5);
    PQclear(PQexec(holder, "ROLLBACK"));
    PQfinish(holder);
    // The lock is free again: writes go through.
    MustPut(*store, "c", "b", "{}");
  }
  test::DropSchema(url, schema);
}

TEST_CASE("writers go on once PostgreSQL ends a stalled transaction that held their lock") {
  const std::string url = PostgresUrl();
  const std::string schema = test::UniqueSchema();
  {
    std::unique_ptr<PostgresStore> store = MustOpen({.conninfo = url, .schema = schema});
    MustPut(*store, "c", "a", "{}");
    // A session set up as the store sets up its own, which takes the writer
    // lock and then goes silent, as a frozen process or a lost network would.
    PGconn* stalled = PQconnectdb(url.c_str());
    REQUIRE(PQstatus(stalled) == CONNECTION_OK);
    PQclear(PQexec(stalled, "SET idle_in_transaction_session_timeout = 1000"));
    PQclear(PQexec(stalled, ("BEGIN; SELECT * FROM " + schema + ".meta FOR UPDATE").c_str()));
    // The server ends the idle transaction after 1 s and frees the lock: the
    // write goes through within the store's statement timeout (30 s).
    const auto start = std::chrono::steady_clock::now();
    MustPut(*store, "c", "b", "{}");
    CHECK(SecondsSince(start) < 10);
    PQfinish(stalled);
  }
  test::DropSchema(url, schema);
}

TEST_CASE("a malformed conninfo is refused without repeating it") {
  absl::Status status =
      OpenPostgresStore({.conninfo = "host=127.0.0.1 password=my secret-pass"}).status();
  CHECK(absl::IsInvalidArgument(status));
  CHECK(status.message().find("secret") == std::string_view::npos);
  CHECK(status.message().find("my") == std::string_view::npos);
}

TEST_CASE("bad options and unreachable servers fail fast with clear codes") {
  const std::string schema = test::UniqueSchema();
  auto open = [&](PostgresStoreOptions options) {
    const auto start = std::chrono::steady_clock::now();
    absl::Status status = OpenPostgresStore(options).status();
    CHECK(SecondsSince(start) < 5);
    return status;
  };
  CHECK(absl::IsInvalidArgument(open({.conninfo = ""})));
  CHECK(absl::IsInvalidArgument(open({.conninfo = "postgresql://[::1"})));
  CHECK(absl::IsInvalidArgument(open({.conninfo = "host=localhost bogus_keyword=1"})));
  CHECK(absl::IsInvalidArgument(open({.conninfo = PostgresUrl(), .schema = "Bad-Name"})));
  CHECK(absl::IsInvalidArgument(open({.conninfo = PostgresUrl(), .schema = std::string(49, 's')})));
  CHECK(absl::IsInvalidArgument(open({.conninfo = PostgresUrl(), .schema = schema, .pool_size = 0})));
  CHECK(absl::IsInvalidArgument(
      open({.conninfo = PostgresUrl(), .schema = schema, .poll_interval = absl::ZeroDuration()})));
  // Nothing listens on port 1 of the loopback: refused at once.
  absl::Status refused = open({.conninfo = "postgresql://postgres@127.0.0.1:1/postgres"});
  CHECK_MESSAGE(absl::IsUnavailable(refused), refused.ToString());
  // A database that does not exist.
  std::string url = PostgresUrl();
  url = url.substr(0, url.rfind('/')) + "/no_such_database";
  absl::Status missing = open({.conninfo = url, .schema = schema});
  CHECK_MESSAGE(absl::IsUnavailable(missing), missing.ToString());
}

}  // namespace
}  // namespace marquee::postgres
