#include "support/postgres_database.h"

#include <doctest/doctest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>

namespace marquee::test {

std::string PostgresUrl() {
  const char* url = std::getenv("MARQUEE_TEST_POSTGRES_URL");
  REQUIRE_MESSAGE((url != nullptr && *url != '\0'),
                  "MARQUEE_TEST_POSTGRES_URL is not set: these tests need a PostgreSQL 15 server. "
                  "Run them through scripts/test, or start one with "
                  "tests/postgres/with_postgres.sh ctest --test-dir build/default -R '^postgres_'");
  return url;
}

std::string UniqueSchema() {
  static std::atomic<int> counter{0};
  thread_local std::mt19937_64 rng(std::random_device{}());
  char name[64];
  std::snprintf(name, sizeof(name), "t_%d_%d_%06llu", static_cast<int>(::getpid()),
                counter.fetch_add(1), static_cast<unsigned long long>(rng() % 1000000));
  return name;
}

std::vector<std::string> Sql(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string error = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot connect to " + url + ": " + error);
  }
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  PGresult* result = PQexec(conn, sql.c_str());
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::string error = PQresultErrorMessage(result);
    PQclear(result);
    PQfinish(conn);
    throw std::runtime_error("SQL failed: " + sql + ": " + error);
  }
  std::vector<std::string> rows;
  for (int row = 0; row < PQntuples(result); ++row) rows.emplace_back(PQgetvalue(result, row, 0));
  PQclear(result);
  PQfinish(conn);
  return rows;
}

void DropSchema(const std::string& url, const std::string& schema) {
  try {
    Sql(url, "DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
  } catch (const std::exception&) {
  }
}

namespace {
std::string ScriptPath() { return MARQUEE_POSTGRES_SERVER_SCRIPT; }
}  // namespace

PostgresServer::PostgresServer() : dir_("postgres") {
  Script("start", &url_);
  running_ = true;
}

PostgresServer::~PostgresServer() {
  try {
    if (running_) Script("stop");
  } catch (const std::exception&) {
  }
}

void PostgresServer::Restart() {
  Script("restart");
  running_ = true;
}

void PostgresServer::Stop() {
  Script("stop");
  running_ = false;
}

void PostgresServer::Start() {
  Script("restart");  // restart of a stopped server starts it
  running_ = true;
}

void PostgresServer::Script(const std::string& command, std::string* output) {
  const std::string line = ScriptPath() + " " + command + " '" + dir_.Join("server") + "' 2>&1";
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + line);
  std::string text;
  char buffer[512];
  while (size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) text.append(buffer, n);
  const int status = ::pclose(pipe);
  if (status != 0) throw std::runtime_error(line + " failed: " + text);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (output != nullptr) *output = text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
}

}  // namespace marquee::test
