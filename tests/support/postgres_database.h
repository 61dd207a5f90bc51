// The PostgreSQL server of the marquee::postgres tests, and private ones.
//
// PostgresUrl() is the server the test script started: scripts/test (CI)
// and tests/postgres/with_postgres.sh start one and export its URL as
// MARQUEE_TEST_POSTGRES_URL. Without it every test fails (never skips),
// saying how to start one. Each test case works in a schema of its own
// (UniqueSchema), dropped when it ends, so cases run in parallel on one
// server. A test that must restart its server starts a PostgresServer of
// its own (tests/postgres/postgres_server.sh in a TempDir; a few seconds).
// Thread-safety: the functions may be called from any thread; a
// PostgresServer from the test's thread only.
//
//   std::string schema = marquee::test::UniqueSchema();
//   auto store = marquee::postgres::OpenPostgresStore(
//       {.conninfo = marquee::test::PostgresUrl(), .schema = schema});
//   marquee::test::Sql(marquee::test::PostgresUrl(), "DROP SCHEMA " + schema + " CASCADE");
#ifndef MARQUEE_TESTS_SUPPORT_POSTGRES_DATABASE_H_
#define MARQUEE_TESTS_SUPPORT_POSTGRES_DATABASE_H_

#include <string>
#include <vector>

#include "support/temp_dir.h"

namespace marquee::test {

// The URL in MARQUEE_TEST_POSTGRES_URL; fails the current test (REQUIRE)
// with instructions when it is not set.
std::string PostgresUrl();

// A schema name no other test case (of any process) uses: t_<pid>_<n>_<random>.
std::string UniqueSchema();

// Runs `sql` (one or more statements) on a new connection to `url`; returns
// the first column of every row of the last statement's result. Throws
// std::runtime_error when it fails.
std::vector<std::string> Sql(const std::string& url, const std::string& sql);

// Drops `schema` and everything in it; errors are ignored.
void DropSchema(const std::string& url, const std::string& schema);

// A PostgreSQL 15 server of one test's own, on 127.0.0.1 and a free port.
class PostgresServer {
 public:
  // initdb and start; throws std::runtime_error when it fails.
  PostgresServer();
  ~PostgresServer();  // stops it; its files go with the TempDir
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  const std::string& url() const { return url_; }
  // pg_ctl stop -m fast, then start on the same port. Throws on failure.
  void Restart();
  void Stop();
  void Start();

 private:
  void Script(const std::string& command, std::string* output = nullptr);
  TempDir dir_;
  std::string url_;
  bool running_ = false;
};

}  // namespace marquee::test

#endif  // MARQUEE_TESTS_SUPPORT_POSTGRES_DATABASE_H_
