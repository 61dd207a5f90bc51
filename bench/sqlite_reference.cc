#include "sqlite_reference.h"

#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>

namespace marquee::bench {
namespace {

[[noreturn]] void Die(sqlite3* db, const char* what) {
  std::fprintf(stderr, "store_bench: SQLite %s failed: %s\n", what,
               db != nullptr ? sqlite3_errmsg(db) : "(no connection)");
  std::abort();
}

void Check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) Die(db, what);
}

void BindText(sqlite3* db, sqlite3_stmt* stmt, int index, std::string_view text) {
  // SQLITE_STATIC: the caller's bytes outlive the statement's execution.
  Check(db, sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC),
        "bind");
}

void ReadRow(sqlite3_stmt* stmt, int id_col, int body_col, int version_col, SqliteRow* row) {
  if (id_col >= 0) {
    row->id.assign(reinterpret_cast<const char*>(sqlite3_column_text(stmt, id_col)),
                   static_cast<size_t>(sqlite3_column_bytes(stmt, id_col)));
  }
  row->body.assign(reinterpret_cast<const char*>(sqlite3_column_text(stmt, body_col)),
                   static_cast<size_t>(sqlite3_column_bytes(stmt, body_col)));
  row->version = sqlite3_column_int64(stmt, version_col);
}

}  // namespace

const char* SqliteSyncName(SqliteSync sync) {
  switch (sync) {
    case SqliteSync::kFull: return "FULL";
    case SqliteSync::kNormal: return "NORMAL";
    case SqliteSync::kOff: return "OFF";
  }
  return "?";
}

SqliteConnection::SqliteConnection(const std::string& path, SqliteSync sync) : path_(path) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) Die(db_, "open");
  Check(db_, sqlite3_busy_timeout(db_, 10'000), "busy_timeout");
  Exec("PRAGMA journal_mode=WAL");
  switch (sync) {
    case SqliteSync::kFull: Exec("PRAGMA synchronous=FULL"); break;
    case SqliteSync::kNormal: Exec("PRAGMA synchronous=NORMAL"); break;
    case SqliteSync::kOff: Exec("PRAGMA synchronous=OFF"); break;
  }
  // Fair to the reference: a page cache (per connection) that holds the
  // whole database (~40 MB), and memory-mapped reads.
  Exec("PRAGMA cache_size=-131072");
  Exec("PRAGMA mmap_size=268435456");
  Exec("PRAGMA temp_store=MEMORY");
  Exec(
      "CREATE TABLE IF NOT EXISTS records("
      " collection TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,"
      " body TEXT NOT NULL,"
      " priority INTEGER GENERATED ALWAYS AS (json_extract(body, '$.priority')) VIRTUAL,"
      " PRIMARY KEY (collection, id)) WITHOUT ROWID");
  Exec("CREATE INDEX IF NOT EXISTS records_by_priority ON records(collection, priority, id)");
  get_ = Prepare("SELECT body, version FROM records WHERE collection=?1 AND id=?2");
  scan_ = Prepare(
      "SELECT id, body, version FROM records WHERE collection=?1 AND (priority, id) < (?2, ?3)"
      " ORDER BY priority DESC, id DESC LIMIT ?4");
  put_ = Prepare("INSERT OR REPLACE INTO records(collection, id, version, body) VALUES (?1, ?2, ?3, ?4)");
}

SqliteConnection::~SqliteConnection() {
  sqlite3_finalize(get_);
  sqlite3_finalize(scan_);
  sqlite3_finalize(put_);
  sqlite3_close_v2(db_);
}

void SqliteConnection::Exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "store_bench: SQLite '%s' failed: %s\n", sql, error ? error : "?");
    std::abort();
  }
}

sqlite3_stmt* SqliteConnection::Prepare(const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    Die(db_, "prepare");
  }
  return stmt;
}

void SqliteConnection::Load(std::string_view collection, const std::vector<std::string>& ids,
                            const std::vector<std::string>& bodies) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i % 1000 == 0) Exec("BEGIN");
    Put(collection, ids[i], static_cast<int64_t>(i + 1), bodies[i]);
    if (i % 1000 == 999 || i + 1 == ids.size()) Exec("COMMIT");
  }
  Exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

void SqliteConnection::Warm() {
  sqlite3_stmt* stmt = Prepare(
      "SELECT count(*), sum(length(body)), sum(priority) FROM records INDEXED BY records_by_priority");
  Check(db_, sqlite3_step(stmt), "warm");
  sqlite3_finalize(stmt);
  stmt = Prepare("SELECT count(*), sum(length(body)) FROM records");
  Check(db_, sqlite3_step(stmt), "warm");
  sqlite3_finalize(stmt);
}

bool SqliteConnection::Get(std::string_view collection, std::string_view id, SqliteRow* row) {
  BindText(db_, get_, 1, collection);
  BindText(db_, get_, 2, id);
  const int rc = sqlite3_step(get_);
  const bool found = rc == SQLITE_ROW;
  if (found) ReadRow(get_, -1, 0, 1, row);
  Check(db_, rc, "get");
  sqlite3_reset(get_);
  return found;
}

size_t SqliteConnection::ScanBefore(std::string_view collection, int64_t priority,
                                    std::string_view id, int limit, std::vector<SqliteRow>* rows) {
  rows->clear();
  BindText(db_, scan_, 1, collection);
  Check(db_, sqlite3_bind_int64(scan_, 2, priority), "bind");
  BindText(db_, scan_, 3, id);
  Check(db_, sqlite3_bind_int(scan_, 4, limit), "bind");
  int rc;
  while ((rc = sqlite3_step(scan_)) == SQLITE_ROW) {
    ReadRow(scan_, 0, 1, 2, &rows->emplace_back());
  }
  Check(db_, rc, "scan");
  sqlite3_reset(scan_);
  return rows->size();
}

void SqliteConnection::Put(std::string_view collection, std::string_view id, int64_t version,
                           std::string_view body) {
  BindText(db_, put_, 1, collection);
  BindText(db_, put_, 2, id);
  Check(db_, sqlite3_bind_int64(put_, 3, version), "bind");
  BindText(db_, put_, 4, body);
  const int rc = sqlite3_step(put_);
  sqlite3_reset(put_);
  if (rc != SQLITE_DONE) Die(db_, "insert or replace");
}

std::string SqliteConnection::ScanPlan() {
  sqlite3_stmt* stmt = Prepare(
      "EXPLAIN QUERY PLAN SELECT id, body, version FROM records WHERE collection=?1"
      " AND (priority, id) < (?2, ?3) ORDER BY priority DESC, id DESC LIMIT ?4");
  std::string plan;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    if (!plan.empty()) plan += "; ";
    plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3));
  }
  sqlite3_finalize(stmt);
  return plan;
}

}  // namespace marquee::bench
