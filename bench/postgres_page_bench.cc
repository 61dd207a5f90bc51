// bench/postgres_page_bench.cc — a keyset page at depth 100,000 through
// PostgresStore::Scan against OFFSET on the same table (issue 8).
//
// The collection "campaigns" holds --rows records (default 200,000; id
// "c000123", the ~1 KB campaign bodies of bench/campaign_corpus.h, whose
// `priority` is an int 0..100) and declares by_priority = (/priority
// descending, id). It is loaded through the store on the first run (the
// driver reuses the schema for later runs). Two orders, each read at page 1
// and at depth (after row --depth, default 100,000), --page rows a page
// (default 20):
//
//   id order      Store::Scan(after = {id of row 100,000})
//                 vs SELECT <the store's columns> FROM <table>
//                    ORDER BY id_key OFFSET 100000 LIMIT 20
//   by_priority   Store::Scan(index by_priority, after = {priority, id})
//                 vs the same SELECT ORDER BY <its key column> OFFSET ...
//
// The OFFSET queries walk the same btree indexes the store's keyset queries
// use (id_key is the primary key; the by_priority column has its own unique
// index): the only difference is skipping 100,000 entries instead of
// seeking to the cursor. They run over libpq on their own connection as
// prepared statements, and their bodies are parsed with Json::Parse like the
// store parses what it reads, so both sides hand back the same records.
// Before timing, every keyset page is checked to hold exactly the rows of
// its OFFSET twin (exit 1 if not).
//
// Timing, each call alone (steady_clock), medians per query: first the six
// cheap queries (keyset page 1 and depth, OFFSET page 1), interleaved,
// --reps rounds (default 200); then the two deep OFFSET queries,
// interleaved, --offset_reps rounds (default 30: each takes 0.1-0.5 s).
// Interleaving spreads a moment of load on the shared machine over the
// queries of a loop alike. The deep OFFSETs are timed apart because each
// reads half the table through 64 MB of shared_buffers: mixed in, they
// evicted the pages the next cheap call needed (in the first runs keyset
// page 1 looked slower than the deep keyset page). Each loop runs twice
// untimed first, to warm the caches.
//
//   postgres_page_bench --conninfo=URI [--schema=bench_pages] [--rows=200000]
//                       [--depth=100000] [--page=20] [--reps=200] [--offset_reps=30]
//
// Prints `table=<qualified table> column_by_priority=<column>` (for the
// driver's EXPLAIN), then one line per query:
//   page order=id kind=keyset at=depth median_us=... p90_us=... min_us=...
#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench_flags.h"
#include "campaign_corpus.h"
#include "marquee/index.h"
#include "marquee/json.h"
#include "marquee/postgres/postgres_store.h"
#include "marquee/store.h"

namespace marquee::bench {
namespace {

constexpr char kCollection[] = "campaigns";
constexpr char kIndex[] = "by_priority";
constexpr size_t kLoadBatch = 1000;

struct Flags {
  std::string conninfo;
  std::string schema = "bench_pages";
  size_t rows = 200'000;
  size_t depth = 100'000;
  size_t page = 20;
  int reps = 200;
  int offset_reps = 30;
};

constexpr std::string_view kProgram = "postgres_page_bench";

[[noreturn]] void Fail(const std::string& what) { marquee::bench::FailBench(kProgram, what); }

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  auto take = [&](const std::string& name, const std::string& value) {
    if (name == "conninfo") {
      flags.conninfo = value;
    } else if (name == "schema") {
      flags.schema = value;
    } else if (name == "rows") {
      flags.rows = std::strtoull(value.c_str(), nullptr, 10);
    } else if (name == "depth") {
      flags.depth = std::strtoull(value.c_str(), nullptr, 10);
    } else if (name == "page") {
      flags.page = std::strtoull(value.c_str(), nullptr, 10);
    } else if (name == "reps") {
      flags.reps = std::atoi(value.c_str());
    } else if (name == "offset_reps") {
      flags.offset_reps = std::atoi(value.c_str());
    } else {
      return false;
    }
    return true;
  };
  marquee::bench::ForEachFlag(kProgram, argc, argv, take);
  if (flags.conninfo.empty()) Fail("--conninfo is required");
  if (flags.page == 0 || flags.depth == 0 || flags.depth + flags.page > flags.rows) {
    Fail("need 0 < depth, 0 < page and depth + page <= rows");
  }
  if (flags.reps < 1 || flags.offset_reps < 1) Fail("--reps and --offset_reps must be at least 1");
  return flags;
}

// A plain libpq session for the OFFSET side.
class PgSession {
 public:
  explicit PgSession(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) Fail(absl::StrCat("libpq: ", PQerrorMessage(conn_)));
  }
  ~PgSession() { PQfinish(conn_); }
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  // Runs `sql` with text parameters; exits on any error.
  std::unique_ptr<PGresult, void (*)(PGresult*)> Query(const std::string& sql,
                                                       const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
    return Checked(r, sql);
  }
  void Prepare(const std::string& name, const std::string& sql, int params) {
    Checked(PQprepare(conn_, name.c_str(), sql.c_str(), params, nullptr), sql);
  }
  std::unique_ptr<PGresult, void (*)(PGresult*)> ExecPrepared(
      const std::string& name, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    return Checked(PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()),
                                  values.data(), nullptr, nullptr, 0),
                   name);
  }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> Checked(PGresult* r, const std::string& what) {
    const ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
      Fail(absl::StrCat("libpq (", what, "): ", PQerrorMessage(conn_)));
    }
    return {r, PQclear};
  }
  PGconn* conn_;
};

std::string QuoteIdent(std::string_view name) { return absl::StrCat("\"", std::string(name), "\""); }

void Load(postgres::PostgresStore& store, size_t rows) {
  WriteBatch batch;
  for (size_t i = 0; i < rows; ++i) {
    absl::StatusOr<Json> body = Json::Parse(CampaignRecordJson(i));
    if (!body.ok()) Fail(absl::StrCat("corpus body ", i, ": ", body.status().ToString()));
    batch.Put(kCollection, absl::StrFormat("c%06d", i), *std::move(body));
    if (batch.size() == kLoadBatch || i + 1 == rows) {
      absl::StatusOr<uint64_t> v = store.Write(batch);
      if (!v.ok()) Fail(absl::StrCat("loading: ", v.status().ToString()));
      batch.Clear();
    }
  }
}

// The ids of a page the store returned.
std::vector<std::string> Ids(const ScanResult& page) {
  std::vector<std::string> ids;
  for (const Record& r : page.records) ids.push_back(r.id);
  return ids;
}

struct Query {
  std::string order;  // "id" | "by_priority"
  std::string kind;   // "keyset" | "offset"
  std::string at;     // "page1" | "depth"
  std::function<std::vector<std::string>()> run;  // returns the page's ids
  std::vector<double> us;
};

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

int Run(const Flags& flags) {
  const IndexSpec by_priority{.collection = kCollection,
                              .name = kIndex,
                              .fields = {{.pointer = "/priority", .order = SortOrder::kDescending}}};
  absl::StatusOr<std::unique_ptr<postgres::PostgresStore>> opened = postgres::OpenPostgresStore(
      {.conninfo = flags.conninfo, .schema = flags.schema, .pool_size = 2,
       .indexes = {by_priority}});
  if (!opened.ok()) Fail(absl::StrCat("opening the store: ", opened.status().ToString()));
  postgres::PostgresStore& store = **opened;

  PgSession pg(flags.conninfo);
  const std::string schema = QuoteIdent(flags.schema);
  auto table_of = [&] {
    auto r = pg.Query(absl::StrCat("SELECT table_name FROM ", schema, ".collections WHERE name = $1"),
                      {kCollection});
    return PQntuples(r.get()) == 0 ? std::string() : std::string(PQgetvalue(r.get(), 0, 0));
  };
  std::string table_name = table_of();
  size_t count = 0;
  if (!table_name.empty()) {
    auto r = pg.Query(absl::StrCat("SELECT count(*) FROM ", schema, ".", QuoteIdent(table_name)));
    count = std::strtoull(PQgetvalue(r.get(), 0, 0), nullptr, 10);
  }
  if (count < flags.rows) {
    const auto t0 = std::chrono::steady_clock::now();
    Load(store, flags.rows);
    std::fprintf(stderr, "postgres_page_bench: loaded %zu records in %.1f s\n", flags.rows,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    table_name = table_of();
    pg.Query("CHECKPOINT");
  }
  const std::string table = absl::StrCat(schema, ".", QuoteIdent(table_name));
  pg.Query(absl::StrCat("ANALYZE ", table));
  auto column_result = pg.Query(
      absl::StrCat("SELECT key_column FROM ", schema, ".indexes WHERE collection = $1 AND name = $2"),
      {kCollection, kIndex});
  if (PQntuples(column_result.get()) != 1) Fail("no key column for by_priority");
  const std::string priority_column = QuoteIdent(PQgetvalue(column_result.get(), 0, 0));
  std::printf("table=%s column_by_priority=%s\n", table.c_str(), priority_column.c_str());

  // The store's own column list (src/postgres/record_row.cc), so both sides
  // transfer and convert the same fields.
  const std::string columns =
      "id, version, schema, (extract(epoch FROM created) * 1000000)::bigint, "
      "(extract(epoch FROM updated) * 1000000)::bigint, body::text";
  for (const auto& [name, column] : {std::pair<std::string, std::string>{"id", "id_key"},
                                     {"by_priority", priority_column}}) {
    pg.Prepare(absl::StrCat("offset_", name),
               absl::StrCat("SELECT ", columns, " FROM ", table, " ORDER BY ", column,
                            " OFFSET $1::bigint LIMIT $2::bigint"),
               2);
  }
  const std::string limit = std::to_string(flags.page);
  auto offset_page = [&](const std::string& order, size_t offset) {
    auto r = pg.ExecPrepared(absl::StrCat("offset_", order), {std::to_string(offset), limit});
    std::vector<std::string> ids;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      // Parsed like the store's rows (RecordFromRow validates each body).
      absl::StatusOr<Json> body = Json::Parse(PQgetvalue(r.get(), i, 5));
      if (!body.ok()) Fail(absl::StrCat("OFFSET body: ", body.status().ToString()));
      ids.emplace_back(PQgetvalue(r.get(), i, 0));
    }
    return ids;
  };

  // Row `depth` (1-based) of each order: the position a client's cursor
  // would hold after paging there.
  auto row_at = [&](const std::string& column) {
    auto r = pg.Query(absl::StrCat("SELECT id, body->'priority' FROM ", table, " ORDER BY ", column,
                                   " OFFSET $1::bigint LIMIT 1"),
                      {std::to_string(flags.depth - 1)});
    if (PQntuples(r.get()) != 1) Fail("no row at depth");
    return std::pair<std::string, std::string>(PQgetvalue(r.get(), 0, 0), PQgetvalue(r.get(), 0, 1));
  };
  const std::string depth_id = row_at("id_key").first;
  const auto [priority_id, priority_text] = row_at(priority_column);
  absl::StatusOr<IndexValue> priority_value = IndexValue::FromJson(priority_text);
  if (!priority_value.ok()) Fail(priority_value.status().ToString());
  std::printf("row %zu: id order %s; by_priority (%s, %s)\n", flags.depth, depth_id.c_str(),
              priority_text.c_str(), priority_id.c_str());

  auto scan = [&](const ScanRequest& request) {
    absl::StatusOr<ScanResult> page = store.Scan(request);
    if (!page.ok()) Fail(absl::StrCat("Scan: ", page.status().ToString()));
    return Ids(*page);
  };
  const ScanRequest id_page1{.collection = kCollection, .limit = flags.page};
  ScanRequest id_depth = id_page1;
  id_depth.after = ScanPosition{.values = {}, .id = depth_id};
  const ScanRequest priority_page1{.collection = kCollection, .index = kIndex, .limit = flags.page};
  ScanRequest priority_depth = priority_page1;
  priority_depth.after = ScanPosition{.values = {*priority_value}, .id = priority_id};

  std::vector<Query> queries = {
      {"id", "keyset", "depth", [&] { return scan(id_depth); }, {}},
      {"id", "offset", "depth", [&] { return offset_page("id", flags.depth); }, {}},
      {"by_priority", "keyset", "depth", [&] { return scan(priority_depth); }, {}},
      {"by_priority", "offset", "depth", [&] { return offset_page("by_priority", flags.depth); }, {}},
      {"id", "keyset", "page1", [&] { return scan(id_page1); }, {}},
      {"id", "offset", "page1", [&] { return offset_page("id", 0); }, {}},
      {"by_priority", "keyset", "page1", [&] { return scan(priority_page1); }, {}},
      {"by_priority", "offset", "page1", [&] { return offset_page("by_priority", 0); }, {}},
  };
  // Each keyset page must be its OFFSET twin (same rows, same order).
  for (size_t i = 0; i < queries.size(); i += 2) {
    const std::vector<std::string> keyset = queries[i].run();
    const std::vector<std::string> offset = queries[i + 1].run();
    if (keyset != offset || keyset.size() != flags.page) {
      Fail(absl::StrCat("order ", queries[i].order, " at ", queries[i].at,
                        ": the keyset page differs from the OFFSET page (", keyset.size(), " vs ",
                        offset.size(), " rows; first ", keyset.empty() ? "-" : keyset.front(),
                        " vs ", offset.empty() ? "-" : offset.front(), ")"));
    }
  }
  std::printf("checked: each keyset page holds the rows of its OFFSET twin\n");

  for (const bool deep_offset : {false, true}) {
    const int reps = deep_offset ? flags.offset_reps : flags.reps;
    for (int rep = -2; rep < reps; ++rep) {  // rounds -2 and -1 warm up
      for (Query& q : queries) {
        if ((q.kind == "offset" && q.at == "depth") != deep_offset) continue;
        const auto t0 = std::chrono::steady_clock::now();
        const std::vector<std::string> ids = q.run();
        const auto t1 = std::chrono::steady_clock::now();
        if (ids.size() != flags.page) Fail("a page came back short");
        if (rep >= 0) q.us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      }
    }
  }
  for (const Query& q : queries) {
    std::printf("page order=%s kind=%s at=%s median_us=%.1f p90_us=%.1f min_us=%.1f\n",
                q.order.c_str(), q.kind.c_str(), q.at.c_str(), Percentile(q.us, 0.5),
                Percentile(q.us, 0.9), Percentile(q.us, 0.0));
  }
  return 0;
}

}  // namespace
}  // namespace marquee::bench

int main(int argc, char** argv) {
  return marquee::bench::Run(marquee::bench::ParseFlags(argc, argv));
}
