// PostgresStore against a real PostgreSQL 15: the Store contract suite,
// unchanged, and what is particular to PostgreSQL (its tables, sharing one
// schema between two stores as two nodes would, bad options).
#include "marquee/postgres/postgres_store.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/memory_store.h"

#include "support/postgres_database.h"
#include "support/store_contract.h"

namespace marquee::postgres {
namespace {

using test::J;
using test::MustGet;
using test::MustPut;
using test::PostgresUrl;

std::unique_ptr<Store> OpenOnPostgres(Clock* clock) {
  const std::string url = PostgresUrl();
  const std::string schema = test::UniqueSchema();
  absl::StatusOr<std::unique_ptr<PostgresStore>> store = OpenPostgresStore(
      {.conninfo = url, .schema = schema, .poll_interval = absl::Milliseconds(200),
       .clock = clock});
  REQUIRE_MESSAGE(store.ok(), store.status().ToString());
  return test::OwningStore(*std::move(store), [url, schema] { test::DropSchema(url, schema); });
}

}  // namespace

MARQUEE_STORE_CONTRACT_TESTS("PostgresStore", OpenOnPostgres)

namespace {

TEST_CASE("PostgresStore connects and creates its tables in its schema") {
  const std::string url = PostgresUrl();
  const std::string schema = test::UniqueSchema();
  {
    absl::StatusOr<std::unique_ptr<PostgresStore>> store =
        OpenPostgresStore({.conninfo = url, .schema = schema});
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    CHECK((*store)->CurrentVersion() == 0);
    MustPut(**store, "campaigns", "spring", R"({"p":1})");
    std::vector<std::string> tables = test::Sql(
        url, "SELECT table_name FROM information_schema.tables WHERE table_schema = '" + schema +
                 "' ORDER BY table_name");
    CHECK(tables == std::vector<std::string>{"changes", "collections", "index_fields", "indexes",
                                             "meta", "records_campaigns"});
    // The body is kept exactly as written (json, not jsonb: key order stays).
    CHECK(test::Sql(url, "SELECT body::text FROM " + schema + ".records_campaigns") ==
          std::vector<std::string>{R"({"p":1})"});
  }
  test::DropSchema(url, schema);
}

// Two stores on one schema are two nodes of one deployment.
struct TwoNodes {
  TwoNodes() : url(PostgresUrl()), schema(test::UniqueSchema()) {
    a = Open();
    b = Open();
  }
  ~TwoNodes() {
    a.reset();
    b.reset();
    test::DropSchema(url, schema);
  }
  std::unique_ptr<PostgresStore> Open() {
    absl::StatusOr<std::unique_ptr<PostgresStore>> store =
        OpenPostgresStore({.conninfo = url, .schema = schema, .pool_size = 4,
                           .poll_interval = absl::Milliseconds(200)});
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    return *std::move(store);
  }
  std::string url;
  std::string schema;
  std::unique_ptr<PostgresStore> a;
  std::unique_ptr<PostgresStore> b;
};

TEST_CASE("an index declared on one node is written and scanned by the other") {
  TwoNodes nodes;
  MustPut(*nodes.b, "things", "x", R"({"p":2})");  // b caches the collection without the index
  REQUIRE(nodes.a->DefineIndex({.collection = "things", .name = "by_p", .fields = {{"/p"}}}).ok());
  MustPut(*nodes.b, "things", "y", R"({"p":1})");
  MustPut(*nodes.b, "things", "z", R"({"p":3})");
  for (PostgresStore* node : {nodes.a.get(), nodes.b.get()}) {
    std::vector<std::string> ids;
    for (const Record& r : test::ScanAll(*node, "things", "by_p")) ids.push_back(r.id);
    CHECK(ids == std::vector<std::string>{"y", "x", "z"});
  }
  CHECK(nodes.b->Indexes("things").size() == 1);
}

TEST_CASE("an indexed value too long for a btree entry is InvalidArgument and quoted nowhere") {
  TwoNodes nodes;
  REQUIRE(nodes.a->DefineIndex({.collection = "things", .name = "by_p", .fields = {{"/p"}}}).ok());
  // Random letters do not compress: the key stays over btree's ~2.7 KB.
  std::string secret_value;
  uint32_t x = 12345;
  for (int i = 0; i < 20'000; ++i) {
    x = x * 1103515245 + 12345;
    secret_value.push_back(static_cast<char>('a' + (x >> 16) % 26));
  }
  WriteBatch batch;
  batch.Put("things", "long", test::J(R"({"p":")" + secret_value + R"("})"));
  absl::StatusOr<uint64_t> written = nodes.a->Write(batch);
  CHECK_MESSAGE(absl::IsInvalidArgument(written.status()), written.status().ToString());
  CHECK(written.status().message().find(secret_value.substr(0, 32)) == std::string_view::npos);
  // Nothing was stored; the store keeps working.
  CHECK(absl::IsNotFound(nodes.a->Get("things", "long").status()));
  MustPut(*nodes.a, "things", "short", R"({"p":"ok"})");
}

TEST_CASE("two nodes CAS one counter from 8 threads and every increment lands once" *
          doctest::test_suite("concurrent")) {
  TwoNodes nodes;
  MustPut(*nodes.a, "counters", "hits", R"({"n":0})");
  std::atomic<int> successes{0};
  std::atomic<int> conflicts{0};
  std::atomic<int> unexpected{0};
  std::mutex mu;
  std::vector<uint64_t> versions;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Store& store = t % 2 == 0 ? static_cast<Store&>(*nodes.a) : static_cast<Store&>(*nodes.b);
      for (int i = 0; i < 25; ++i) {
        absl::StatusOr<Record> r = store.Get("counters", "hits");
        if (!r.ok()) {
          ++unexpected;
          continue;
        }
        const std::string text(r->body.text());
        const long n = std::strtol(text.c_str() + 5, nullptr, 10);  // {"n":<n>}
        WriteBatch batch;
        batch.Put("counters", "hits", *Json::Parse(absl::StrCat("{\"n\":", n + 1, "}")),
                  {.expected_version = r->version});
        absl::StatusOr<uint64_t> v = store.Write(batch);
        if (v.ok()) {
          ++successes;
          std::lock_guard lock(mu);
          versions.push_back(*v);
        } else if (absl::IsFailedPrecondition(v.status())) {
          ++conflicts;
        } else {
          ++unexpected;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(unexpected.load() == 0);
  CHECK(successes.load() + conflicts.load() == 200);
  Record last = MustGet(*nodes.a, "counters", "hits");
  CHECK(test::IntField(last.body, "n") == successes.load());
  std::sort(versions.begin(), versions.end());
  CHECK(std::adjacent_find(versions.begin(), versions.end()) == versions.end());
  REQUIRE_FALSE(versions.empty());
  CHECK(last.version == versions.back());
}

// Random bodies with values of every JSON type, written to a MemoryStore
// and a PostgresStore alike: every index scan (forward, backward, with
// bounds) must return the same ids in the same order.
TEST_CASE("index order equals the MemoryStore's across JSON types") {
  const std::string url = PostgresUrl();
  const std::string schema = test::UniqueSchema();
  ManualClock clock(absl::FromUnixSeconds(1'700'000'000));
  std::unique_ptr<MemoryStore> memory = std::move(*OpenMemoryStore({.clock = &clock}));
  absl::StatusOr<std::unique_ptr<PostgresStore>> opened =
      OpenPostgresStore({.conninfo = url, .schema = schema, .clock = &clock});
  REQUIRE_MESSAGE(opened.ok(), opened.status().ToString());
  std::unique_ptr<PostgresStore> pg = *std::move(opened);
  const std::vector<IndexSpec> specs = {
      {.collection = "mixed", .name = "by_v", .fields = {{"/v"}}},
      {.collection = "mixed", .name = "by_v_desc_w", .fields = {{"/v", SortOrder::kDescending}, {"/w"}}},
      {.collection = "mixed", .name = "by_w_desc", .fields = {{"/w", SortOrder::kDescending}}}};
  for (const IndexSpec& spec : specs) {
    REQUIRE(memory->DefineIndex(spec).ok());
    REQUIRE(pg->DefineIndex(spec).ok());
  }
  const std::vector<std::string> values = {
      "null", "true", "false", "0", "-0", "1", "-1", "1.5", "1e400", "-1e400", "1e-300",
      "9007199254740993", "\"\"", "\"a\"", "\"a\\u0000b\"", "\"ab\"", "\"\u00e9\"", "\"\u00ff\"",
      "\"B\"", "\"b\"", "[]", "[1]", "[null]", "[\"a\"]", "{}", "{\"a\":1}", "{\"a\":1,\"a\":2}",
      "{\"b\":[]}"};
  std::mt19937 rng(11);
  WriteBatch batch;
  for (int i = 0; i < 300; ++i) {
    std::string body = "{";
    if (rng() % 8 != 0) absl::StrAppend(&body, "\"v\":", values[rng() % values.size()]);
    if (rng() % 3 != 0) {
      absl::StrAppend(&body, body.size() > 1 ? "," : "", "\"w\":", values[rng() % values.size()]);
    }
    body += "}";
    char id[16];
    std::snprintf(id, sizeof(id), "r%03u", static_cast<unsigned>(rng() % 400));
    batch.Put("mixed", id, J(body));
    if (batch.size() == 50) {
      test::MustWrite(*memory, batch);
      test::MustWrite(*pg, batch);
      batch.Clear();
    }
  }
  auto ids = [](const ScanResult& result) { return test::Ids(result); };
  for (const IndexSpec& spec : specs) {
    INFO("index ", spec.name);
    auto all = [&](Store& store) {
      std::vector<std::string> out;
      for (const Record& r : test::ScanAll(store, "mixed", spec.name, 13)) out.push_back(r.id);
      return out;
    };
    const std::vector<std::string> expected = all(*memory);
    CHECK(expected.size() > 200);
    CHECK(all(*pg) == expected);
    for (size_t i = 0; i + 1 < values.size(); i += 3) {
      ScanRequest request{.collection = "mixed", .index = spec.name,
                          .lower = RangeBound{*IndexValue::FromJson(values[i]), i % 2 == 0},
                          .upper = RangeBound{*IndexValue::FromJson(values[i + 1]), true},
                          .limit = 1000};
      INFO("bounds ", values[i], " .. ", values[i + 1]);
      CHECK(ids(test::MustScan(*pg, request)) == ids(test::MustScan(*memory, request)));
      // Backward from a different row each round: the end of the first
      // 20 + i rows.
      ScanRequest backward{.collection = "mixed", .index = spec.name, .limit = 17,
                           .before = test::MustScan(*memory, {.collection = "mixed",
                                                              .index = spec.name,
                                                              .limit = 20 + i})
                                         .end};
      ScanResult from_pg = test::MustScan(*pg, backward);
      ScanResult from_memory = test::MustScan(*memory, backward);
      CHECK(ids(from_pg) == ids(from_memory));
      CHECK(from_pg.end == from_memory.end);
      CHECK(from_pg.more == from_memory.more);
    }
  }
  pg.reset();
  test::DropSchema(url, schema);
}

}  // namespace
}  // namespace marquee::postgres
