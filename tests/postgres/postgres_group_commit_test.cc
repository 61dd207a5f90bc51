// PostgresStore commits concurrent writes of one node together (group
// commit, src/postgres/write_group.cc): several batches per transaction,
// each with its own version and its own outcome. Rows written by one
// transaction share their xmin, so the changes table shows how many
// transactions the writes took.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "marquee/postgres/postgres_store.h"
#include "support/postgres_database.h"
#include "support/store_contract.h"

namespace marquee::postgres {
namespace {

using test::PostgresUrl;

class OneNode {
 public:
  OneNode() : url_(PostgresUrl()), schema_(test::UniqueSchema()) {
    absl::StatusOr<std::unique_ptr<PostgresStore>> store =
        OpenPostgresStore({.conninfo = url_, .schema = schema_, .pool_size = 8});
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    store_ = *std::move(store);
  }
  ~OneNode() {
    store_.reset();
    test::DropSchema(url_, schema_);
  }
  PostgresStore& store() { return *store_; }
  // Transactions that wrote the changes table, and the changes in it.
  size_t Transactions() {
    return std::stoul(test::Sql(url_, absl::StrCat("SELECT count(DISTINCT xmin::text) FROM ",
                                                   schema_, ".changes"))
                          .at(0));
  }
  size_t Changes() {
    return std::stoul(
        test::Sql(url_, absl::StrCat("SELECT count(*) FROM ", schema_, ".changes")).at(0));
  }

 private:
  std::string url_;
  std::string schema_;
  std::unique_ptr<PostgresStore> store_;
};

// `threads` threads each call `body(thread)`; returns when all are done.
template <typename Body>
void RunThreads(int threads, Body body) {
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) running.emplace_back([&body, t] { body(t); });
  for (std::thread& thread : running) thread.join();
}

// A body whose indexed value is too long for a btree entry (random letters
// do not compress): PostgreSQL refuses the row, aborting its transaction.
Json OverLongIndexedBody() {
  std::string value;
  uint32_t x = 777;
  for (int i = 0; i < 20'000; ++i) {
    x = x * 1103515245 + 12345;
    value.push_back(static_cast<char>('a' + (x >> 16) % 26));
  }
  return test::J(R"({"p":")" + value + R"("})");
}

TEST_CASE("concurrent writes of one node share transactions and keep a version each" *
          doctest::test_suite("concurrent")) {
  OneNode node;
  constexpr int kThreads = 16;
  constexpr int kWritesPerThread = 40;
  std::mutex mu;
  std::vector<uint64_t> versions;
  std::atomic<int> failures{0};
  RunThreads(kThreads, [&](int t) {
    for (int i = 0; i < kWritesPerThread; ++i) {
      WriteBatch batch;
      batch.Put("items", absl::StrCat("t", t, "-", i), test::J(R"({"n":1})"));
      absl::StatusOr<uint64_t> v = node.store().Write(batch);
      if (!v.ok()) {
        ++failures;
        continue;
      }
      std::lock_guard lock(mu);
      versions.push_back(*v);
    }
  });
  CHECK(failures.load() == 0);
  REQUIRE(versions.size() == kThreads * kWritesPerThread);
  std::sort(versions.begin(), versions.end());
  CHECK(std::adjacent_find(versions.begin(), versions.end()) == versions.end());
  CHECK(node.Changes() == versions.size());
  // Every record is there, at the version its writer was told.
  CHECK(test::ScanAll(node.store(), "items", "").size() == versions.size());
  CHECK(node.store().CurrentVersion() == versions.back());
  // Sixteen writers at once cannot all have committed alone.
  const size_t transactions = node.Transactions();
  MESSAGE("writes: ", versions.size(), ", transactions: ", transactions);
  CHECK(transactions < versions.size());
}

TEST_CASE("compare-and-set increments from 12 threads of one node land exactly once" *
          doctest::test_suite("concurrent")) {
  OneNode node;
  test::MustPut(node.store(), "counters", "hits", R"({"n":0})");
  std::atomic<int> successes{0};
  std::atomic<int> unexpected{0};
  RunThreads(12, [&](int) {
    for (int i = 0; i < 30; ++i) {
      absl::StatusOr<Record> r = node.store().Get("counters", "hits");
      if (!r.ok()) {
        ++unexpected;
        continue;
      }
      const int64_t n = test::IntField(r->body, "n");
      WriteBatch batch;
      batch.Put("counters", "hits", test::J(absl::StrCat(R"({"n":)", n + 1, "}")),
                {.expected_version = r->version});
      absl::StatusOr<uint64_t> v = node.store().Write(batch);
      if (v.ok()) {
        ++successes;
      } else if (!absl::IsFailedPrecondition(v.status())) {
        ++unexpected;
      }
    }
  });
  CHECK(unexpected.load() == 0);
  CHECK(successes.load() > 0);
  // Two increments grouped after reading the same version: the second one
  // is refused, so every success counted once.
  CHECK(test::IntField(test::MustGet(node.store(), "counters", "hits").body, "n") ==
        successes.load());
}

TEST_CASE("a batch PostgreSQL refuses fails alone and the rest of its group commits" *
          doctest::test_suite("concurrent")) {
  OneNode node;
  REQUIRE(node.store()
              .DefineIndex({.collection = "things", .name = "by_p", .fields = {{"/p"}}})
              .ok());
  const Json bad_body = OverLongIndexedBody();
  std::atomic<int> good_written{0};
  std::atomic<int> bad_refused{0};
  std::atomic<int> unexpected{0};
  RunThreads(12, [&](int t) {
    for (int i = 0; i < 30; ++i) {
      const bool bad = (t + i) % 5 == 0;
      WriteBatch batch;
      batch.Put("things", absl::StrCat("t", t, "-", i),
                bad ? bad_body : test::J(absl::StrCat(R"({"p":)", i, "}")));
      absl::StatusOr<uint64_t> v = node.store().Write(batch);
      if (bad && absl::IsInvalidArgument(v.status())) {
        ++bad_refused;
      } else if (!bad && v.ok()) {
        ++good_written;
      } else {
        ++unexpected;
      }
    }
  });
  CHECK(unexpected.load() == 0);
  CHECK(good_written.load() + bad_refused.load() == 360);
  CHECK(bad_refused.load() == 72);  // (t + i) % 5 == 0 for 72 of the 360 pairs
  CHECK(test::ScanAll(node.store(), "things", "by_p").size() ==
        static_cast<size_t>(good_written.load()));
}

}  // namespace
}  // namespace marquee::postgres
