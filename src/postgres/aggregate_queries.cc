#include "postgres/aggregate_queries.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "internal/absl_strings.h"
#include "marquee/json_writer.h"

namespace marquee::postgres::internal {

using campaign::AggregateKey;
using campaign::AggregateRow;
using campaign::Bucket;
using campaign::EventTotals;
using marquee::internal::Sv;

namespace {

absl::Status CheckRow(size_t index, const AggregateRow& row) {
  auto bad = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("rows[", index, "].", what));
  };
  // The names obey the event rules: ValidateEvent checks them.
  campaign::Event probe{.campaign = row.key.campaign, .variant = row.key.variant,
                        .time = absl::UnixEpoch()};
  if (absl::Status s = campaign::ValidateEvent(probe); !s.ok()) return bad(s.message());
  if (static_cast<size_t>(row.key.type) >= campaign::kEventTypeCount) {
    return bad("type: not an EventType");
  }
  if (static_cast<size_t>(row.key.bucket) >= campaign::kBucketCount) {
    return bad("bucket: not a Bucket");
  }
  const int64_t size = campaign::BucketSeconds(row.key.bucket);
  if (row.key.start < kFirstAggregateSecond || row.key.start > kLastAggregateSecond) {
    return bad(absl::StrCat("start: ", row.key.start, " is outside 1970..9999"));
  }
  if (row.key.start % size != 0) {
    return bad(absl::StrCat("start: ", row.key.start, " is not the start of a ",
                            Sv(campaign::BucketName(row.key.bucket)), " bucket"));
  }
  if (!std::isfinite(row.totals.value_sum)) return bad("value_sum: not finite");
  return absl::OkStatus();
}

auto SortKey(const AggregateKey& k) {
  return std::tie(k.campaign, k.bucket, k.start, k.variant, k.type);
}

}  // namespace

absl::StatusOr<std::vector<AggregateRow>> MergedSortedRows(std::span<const AggregateRow> rows) {
  absl::flat_hash_map<AggregateKey, EventTotals> merged;
  merged.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (absl::Status s = CheckRow(i, rows[i]); !s.ok()) return s;
    EventTotals& sum = merged[rows[i].key];
    sum.count += rows[i].totals.count;
    sum.value_sum += rows[i].totals.value_sum;
  }
  std::vector<AggregateRow> out;
  out.reserve(merged.size());
  for (auto& [key, totals] : merged) out.push_back({.key = key, .totals = totals});
  // Bucket names sort as the enum does not; the order only has to be the
  // same on every node, and the SQL re-sorts by the stored names anyway.
  std::sort(out.begin(), out.end(), [](const AggregateRow& a, const AggregateRow& b) {
    return SortKey(a.key) < SortKey(b.key);
  });
  return out;
}

absl::StatusOr<std::string> RowsJson(std::span<const AggregateRow> rows) {
  std::string text;
  JsonWriter w(&text, {.assert_on_misuse = false});
  w.BeginArray();
  for (const AggregateRow& row : rows) {
    w.BeginObject();
    w.Key("c").String(row.key.campaign).Key("v").String(row.key.variant);
    w.Key("t").String(campaign::EventTypeName(row.key.type));
    w.Key("b").String(campaign::BucketName(row.key.bucket));
    w.Key("s").Int(row.key.start).Key("n").Int(row.totals.count);
    w.Key("x").Double(row.totals.value_sum);
    w.EndObject();
  }
  w.EndArray();
  if (absl::Status s = w.Finish(); !s.ok()) return absl::InvalidArgumentError(s.message());
  return text;
}

std::string AddSql(const AggregateNames& n) {
  return absl::StrCat(
      "INSERT INTO ", n.table, " AS t (campaign, variant, type, bucket, start, count, value_sum) ",
      "SELECT r.c, r.v, r.t, r.b, to_timestamp(r.s), r.n, r.x ",
      "FROM json_to_recordset($1::json) AS r(c text, v text, t text, b text, s bigint, n bigint, ",
      "x double precision) ",
      "ORDER BY r.c COLLATE \"C\", r.b COLLATE \"C\", r.s, r.v COLLATE \"C\", r.t COLLATE \"C\" ",
      "ON CONFLICT (campaign, bucket, start, variant, type) DO UPDATE ",
      "SET count = t.count + EXCLUDED.count, value_sum = t.value_sum + EXCLUDED.value_sum");
}

std::string ReadRowsSql(const AggregateNames& n) {
  return absl::StrCat(
      "SELECT variant, type, extract(epoch FROM start)::bigint, count, value_sum FROM ", n.table,
      " WHERE campaign = $1 AND bucket = $2 AND start >= to_timestamp($3::bigint) ",
      "AND start < to_timestamp($4::bigint)");
}

std::string ReadRollupsSql(const AggregateNames& n) {
  return absl::StrCat(
      "SELECT variant, type, extract(epoch FROM start)::bigint, count, value_sum FROM ", n.rollups,
      " WHERE campaign = $1 AND bucket = $2 AND start >= to_timestamp($3::bigint) ",
      "AND start < to_timestamp($4::bigint) ",
      "UNION ALL ",
      "SELECT variant, type, extract(epoch FROM date_trunc($2, start, 'UTC'))::bigint, ",
      "sum(count)::bigint, sum(value_sum) FROM ", n.table,
      " WHERE campaign = $1 AND bucket = 'minute' ",
      "AND start >= greatest(to_timestamp($3::bigint), (SELECT covered_to FROM ", n.meta, ")) ",
      "AND start < to_timestamp($5::bigint) ",
      "GROUP BY 1, 2, 3");
}

absl::StatusOr<std::vector<AggregateRow>> RowsOfResult(const PgResult& result,
                                                       std::string_view campaign_name,
                                                       Bucket bucket) {
  std::vector<AggregateRow> rows;
  rows.reserve(static_cast<size_t>(result.rows()));
  for (int i = 0; i < result.rows(); ++i) {
    AggregateRow row;
    row.key.campaign = std::string(campaign_name);
    row.key.variant = std::string(result.Get(i, 0));
    absl::StatusOr<campaign::EventType> type = campaign::ParseEventType(result.Get(i, 1));
    if (!type.ok()) {
      return absl::DataLossError(absl::StrCat("event aggregate of campaign '", Sv(campaign_name),
                                              "' variant '", row.key.variant, "' has type '",
                                              Sv(result.Get(i, 1)), "'"));
    }
    row.key.type = *type;
    row.key.bucket = bucket;
    absl::StatusOr<int64_t> start = result.Int(i, 2);
    if (!start.ok()) return start.status();
    row.key.start = *start;
    absl::StatusOr<int64_t> count = result.Int(i, 3);
    if (!count.ok()) return count.status();
    row.totals.count = *count;
    const std::string_view sum = result.Get(i, 4);
    double value = 0;
    auto [end, error] = std::from_chars(sum.data(), sum.data() + sum.size(), value);
    if (error != std::errc() || end != sum.data() + sum.size()) {
      return absl::InternalError(absl::StrCat("PostgreSQL returned '", Sv(sum), "' for a double"));
    }
    row.totals.value_sum = value;
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace marquee::postgres::internal
