// bench/sqlite_reference.h — the SQLite side of store_bench.
//
// A minimal SQLite "record store" that holds the same data as the MemoryStore
// under test, so each Marquee figure has a reference figure beside it:
//
//   CREATE TABLE records(
//     collection TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
//     body TEXT NOT NULL,
//     priority INTEGER GENERATED ALWAYS AS (json_extract(body, '$.priority')) VIRTUAL,
//     PRIMARY KEY (collection, id)) WITHOUT ROWID;
//   CREATE INDEX records_by_priority ON records(collection, priority, id);
//
// The priority index is over a VIRTUAL generated column, the analogue of a
// Marquee index declared on the JSON pointer "/priority": both derive the key
// from the body on every write. The database runs in WAL mode.
// Thread-safety: a SqliteConnection is used by one thread at a time (opened
// with SQLITE_OPEN_NOMUTEX); open one per thread, or guard a shared one.
#ifndef MARQUEE_BENCH_SQLITE_REFERENCE_H_
#define MARQUEE_BENCH_SQLITE_REFERENCE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace marquee::bench {

// What a row read from SQLite turns into: an owned copy, as a SQLite-backed
// Store would return it.
struct SqliteRow {
  std::string id;
  std::string body;
  int64_t version = 0;
};

// PRAGMA synchronous level, matched to Marquee's fsync policies.
enum class SqliteSync { kFull, kNormal, kOff };
const char* SqliteSyncName(SqliteSync sync);

class SqliteConnection {
 public:
  // Opens (creating if needed) the database at `path` in WAL mode with the
  // given synchronous level, creates the schema, and prepares the statements.
  // Aborts the process with a message on any error (this is a benchmark).
  SqliteConnection(const std::string& path, SqliteSync sync);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Loads records in transactions of 1000, then checkpoints the WAL into the
  // database file, so readers start from a clean database.
  void Load(std::string_view collection, const std::vector<std::string>& ids,
            const std::vector<std::string>& bodies);

  // Reads every row once through the primary key and the priority index, so
  // this connection's page cache is warm before it is measured.
  void Warm();

  // SELECT body, version ... WHERE collection=? AND id=?; false if absent.
  bool Get(std::string_view collection, std::string_view id, SqliteRow* row);

  // Keyset page: rows with (priority, id) < (priority, id) in the order
  // priority DESC, id DESC, at most `limit`. Returns the rows read.
  size_t ScanBefore(std::string_view collection, int64_t priority, std::string_view id,
                    int limit, std::vector<SqliteRow>* rows);

  // INSERT OR REPLACE of one record as its own (autocommit) transaction.
  void Put(std::string_view collection, std::string_view id, int64_t version,
           std::string_view body);

  // The query plan of the scan statement, for the docs.
  std::string ScanPlan();

 private:
  void Exec(const char* sql);
  sqlite3_stmt* Prepare(const char* sql);

  std::string path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* get_ = nullptr;
  sqlite3_stmt* scan_ = nullptr;
  sqlite3_stmt* put_ = nullptr;
};

}  // namespace marquee::bench

#endif  // MARQUEE_BENCH_SQLITE_REFERENCE_H_
