// PostgresStore reads rows in chunks bounded by body bytes as well as by
// rows (src/postgres/bounded_chunk.h), so one large collection or commit is
// never in memory at once. The query cuts where it says it does, and every
// reader (Scan both ways, an index back-fill, the change feed) continues
// after a cut instead of taking it for the end.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/postgres/postgres_store.h"
#include "postgres/bounded_chunk.h"
#include "support/postgres_database.h"
#include "support/store_contract.h"

namespace marquee::postgres {
namespace {

using test::PostgresUrl;

// A JSON body of about `bytes` bytes: {"n":<n>,"pad":"xxx..."}.
Json PaddedBody(int n, size_t bytes) {
  absl::StatusOr<Json> body =
      Json::Parse(absl::StrCat(R"({"n":)", n, R"(,"pad":")", std::string(bytes, 'x'), R"("})"));
  REQUIRE(body.ok());
  return *std::move(body);
}

class Schema {
 public:
  Schema() : url_(PostgresUrl()), schema_(test::UniqueSchema()) {}
  ~Schema() {
    store_.reset();
    test::DropSchema(url_, schema_);
  }
  PostgresStore& Open() {
    absl::StatusOr<std::unique_ptr<PostgresStore>> store = OpenPostgresStore(
        {.conninfo = url_, .schema = schema_, .poll_interval = absl::Milliseconds(200)});
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    store_ = *std::move(store);
    return *store_;
  }
  const std::string& url() const { return url_; }
  const std::string& name() const { return schema_; }

 private:
  std::string url_;
  std::string schema_;
  std::unique_ptr<PostgresStore> store_;
};

// Enough 1 MiB bodies that every reader must cut at least once at 8 MiB.
constexpr int kLargeRecords = 12;
constexpr size_t kLargeBody = size_t{1} << 20;
static_assert(kLargeRecords * kLargeBody > internal::kChunkBodyBytes);

// "r00", "r01", ...: ids in the order of i.
std::string RecordId(int i) { return absl::StrCat("r", i < 10 ? "0" : "", i); }

WriteBatch LargeBatch() {
  WriteBatch batch;
  for (int i = 0; i < kLargeRecords; ++i) {
    batch.Put("big", RecordId(i), PaddedBody(kLargeRecords - i, kLargeBody));
  }
  return batch;
}

TEST_CASE("a bounded chunk stops sending rows once the bodies before a row reach the budget") {
  Schema schema;
  test::Sql(schema.url(),
            absl::StrCat("CREATE SCHEMA ", schema.name(), "; CREATE TABLE ", schema.name(),
                         ".t (k integer PRIMARY KEY, body json); INSERT INTO ", schema.name(),
                         ".t SELECT g, json_build_object('pad', repeat('x', 988))",
                         " FROM generate_series(1, 10) g"));
  // Each body is 1,000 bytes: rows 1..3 start before 2,500 bytes, row 4 at 3,000.
  const std::string table = absl::StrCat(schema.name(), ".t");
  auto keys_sent = [&](std::string_view budget, bool descending) {
    const std::string sql = internal::BoundedChunkSql({.table = table,
                                                       .key_column = "k",
                                                       .where = " WHERE k > 0",
                                                       .descending = descending,
                                                       .columns = "k",
                                                       .limit_param = "8",
                                                       .budget_param = budget});
    return test::Sql(schema.url(), sql);
  };
  CHECK(test::Sql(schema.url(), absl::StrCat("SELECT octet_length(body::text) FROM ", table,
                                             " WHERE k = 1")) ==
        std::vector<std::string>{"1000"});
  CHECK(keys_sent("2500", false) == std::vector<std::string>{"1", "2", "3"});
  CHECK(keys_sent("2500", true) == std::vector<std::string>{"10", "9", "8"});
  // The first row is sent whatever its size; without a cut the limit rules.
  CHECK(keys_sent("1", false) == std::vector<std::string>{"1"});
  CHECK(keys_sent("1000000", false).size() == 8);
  // The last column says how many rows the limit alone would have sent.
  const std::string with_count = internal::BoundedChunkSql({.table = table,
                                                            .key_column = "k",
                                                            .where = "",
                                                            .columns = "chunk_rows AS n, k",
                                                            .limit_param = "8",
                                                            .budget_param = "2500"});
  CHECK(test::Sql(schema.url(), with_count) == std::vector<std::string>{"8", "8", "8"});
}

TEST_CASE("scans read every large record across byte-bounded chunks in both directions") {
  Schema schema;
  PostgresStore& store = schema.Open();
  test::MustWrite(store, LargeBatch());
  std::vector<std::string> expected;
  for (int i = 0; i < kLargeRecords; ++i) expected.push_back(RecordId(i));

  ScanResult forward = test::MustScan(store, {.collection = "big", .limit = 100});
  CHECK(test::Ids(forward) == expected);
  CHECK_FALSE(forward.more);

  ScanResult backward = test::MustScan(
      store, {.collection = "big", .limit = 100, .before = ScanPosition{.id = "r99"}});
  CHECK(test::Ids(backward) == expected);
  CHECK_FALSE(backward.more);

  // A page smaller than the collection still knows there is more.
  ScanResult page = test::MustScan(store, {.collection = "big", .limit = 10});
  CHECK(page.records.size() == 10);
  CHECK(page.more);
}

TEST_CASE("an index declared over large records back-fills every one of them") {
  Schema schema;
  PostgresStore& store = schema.Open();
  test::MustWrite(store, LargeBatch());
  REQUIRE(store.DefineIndex({.collection = "big", .name = "by_n", .fields = {{"/n"}}}).ok());
  std::vector<std::string> ids;
  for (const Record& r : test::ScanAll(store, "big", "by_n", 5)) ids.push_back(r.id);
  std::vector<std::string> expected;  // n runs down as the ids run up
  for (int i = kLargeRecords - 1; i >= 0; --i) expected.push_back(RecordId(i));
  CHECK(ids == expected);
}

TEST_CASE("a watcher receives a commit larger than one chunk whole and in order") {
  Schema schema;
  PostgresStore& store = schema.Open();
  test::ChangeCollector collector;
  absl::StatusOr<std::unique_ptr<Subscription>> sub =
      store.Watch(store.CurrentVersion(), collector.Handler());
  REQUIRE_MESSAGE(sub.ok(), sub.status().ToString());
  const uint64_t version = test::MustWrite(store, LargeBatch());
  REQUIRE(collector.WaitForCount(kLargeRecords, absl::Seconds(20)));
  std::vector<Change> changes = collector.changes();
  REQUIRE(changes.size() == kLargeRecords);
  for (int i = 0; i < kLargeRecords; ++i) {
    CHECK(changes[i].version == version);
    CHECK(changes[i].id == RecordId(i));
  }
  CHECK(collector.error().ok());
}

}  // namespace
}  // namespace marquee::postgres
