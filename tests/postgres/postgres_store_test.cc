// PostgresStore against a real PostgreSQL 15: the Store contract suite,
// unchanged, and what is particular to PostgreSQL (its tables, sharing one
// schema between two stores as two nodes would, bad options).
#include "marquee/postgres/postgres_store.h"

#include <doctest/doctest.h>

#include <memory>
#include <string>

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

}  // namespace
}  // namespace marquee::postgres
