// Shared by the PostgresAggregateStore tests: a schema of the test's own
// with aggregate stores on it (nodes), and comparing two CampaignStats.
#ifndef MARQUEE_TESTS_POSTGRES_AGGREGATE_FIXTURE_H_
#define MARQUEE_TESTS_POSTGRES_AGGREGATE_FIXTURE_H_

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "marquee/campaign/event_stats.h"
#include "marquee/postgres/postgres_aggregate_store.h"
#include "support/postgres_database.h"

namespace marquee::postgres::test_support {

// A schema dropped when the fixture ends; Open adds a node on it.
struct AggregateSchema {
  AggregateSchema() : url(test::PostgresUrl()), schema(test::UniqueSchema()) {}
  ~AggregateSchema() {
    nodes.clear();
    test::DropSchema(url, schema);
  }
  PostgresAggregateStore& Open(PostgresAggregateStoreOptions options) {
    options.conninfo = url;
    options.schema = schema;
    absl::StatusOr<std::unique_ptr<PostgresAggregateStore>> store =
        OpenPostgresAggregateStore(options);
    REQUIRE_MESSAGE(store.ok(), store.status().ToString());
    nodes.push_back(*std::move(store));
    return *nodes.back();
  }
  // The partitions of event_aggregates, by name.
  std::vector<std::string> Partitions() const {
    return test::Sql(url, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = "
                          "i.inhrelid WHERE i.inhparent = '" + schema +
                              ".event_aggregates'::regclass ORDER BY 1");
  }
  std::string url;
  std::string schema;
  std::vector<std::unique_ptr<PostgresAggregateStore>> nodes;
};

// Everything of the answer but records_read (rows, not buckets: it differs
// between stores by design).
inline void CheckSameStats(const campaign::CampaignStats& a, const campaign::CampaignStats& b) {
  CHECK(a.campaign == b.campaign);
  CHECK(a.from == b.from);
  CHECK(a.control_variant == b.control_variant);
  REQUIRE(a.variants.size() == b.variants.size());
  for (size_t i = 0; i < a.variants.size(); ++i) {
    const campaign::VariantStats& x = a.variants[i];
    const campaign::VariantStats& y = b.variants[i];
    CHECK(x.variant == y.variant);
    CHECK(x.totals == y.totals);
    CHECK(x.conversion_rate == y.conversion_rate);
    CHECK(x.no_test_reason == y.no_test_reason);
    CHECK(x.test.has_value() == y.test.has_value());
    if (x.test && y.test) CHECK(x.test->z == doctest::Approx(y.test->z));
    REQUIRE(x.series.size() == y.series.size());
    for (size_t j = 0; j < x.series.size(); ++j) {
      CHECK(x.series[j].start == y.series[j].start);
      CHECK(x.series[j].totals == y.series[j].totals);
    }
  }
}

}  // namespace marquee::postgres::test_support

#endif  // MARQUEE_TESTS_POSTGRES_AGGREGATE_FIXTURE_H_
