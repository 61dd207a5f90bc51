// Stats: a campaign's totals, series, conversion rates and z-tests, read
// from its aggregates only (event_stats.h): the checks and the statistics
// here, the reading in the AggregateStore (or the Store's records).
#include "marquee/campaign/event_stats.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "campaign/event_internal.h"
#include "internal/absl_strings.h"

namespace marquee::campaign {
namespace {

using ::marquee::internal::Sv;

constexpr size_t kImpression = static_cast<size_t>(EventType::kImpression);
constexpr size_t kConversion = static_cast<size_t>(EventType::kConversion);

struct VariantAccumulator {
  EventTotalsByType totals{};
  std::map<int64_t, EventTotalsByType> series;
};

// Reads the aggregates of one campaign and bucket size over [from, to).
using ReadRows = std::function<absl::StatusOr<std::vector<AggregateRow>>(
    std::string_view campaign, Bucket bucket, absl::Time from, absl::Time to)>;

absl::StatusOr<CampaignStats> ComputeStats(const ReadRows& read, std::string_view campaign,
                                           absl::Time from, absl::Time to, Bucket bucket,
                                           const StatsOptions& options);

}  // namespace

std::optional<ZTest> TwoProportionZTest(int64_t variant_conversions, int64_t variant_impressions,
                                        int64_t control_conversions, int64_t control_impressions,
                                        std::string* why) {
  auto fail = [&](std::string reason) {
    if (why != nullptr) *why = std::move(reason);
    return std::optional<ZTest>();
  };
  if (variant_impressions <= 0) return fail("no impressions for the variant");
  if (control_impressions <= 0) return fail("no impressions for the control");
  if (variant_conversions < 0 || control_conversions < 0 ||
      variant_conversions > variant_impressions || control_conversions > control_impressions) {
    return fail("more conversions than impressions: rates are not proportions");
  }
  const double nv = static_cast<double>(variant_impressions);
  const double nc = static_cast<double>(control_impressions);
  const double pv = static_cast<double>(variant_conversions) / nv;
  const double pc = static_cast<double>(control_conversions) / nc;
  const double pooled = static_cast<double>(variant_conversions + control_conversions) / (nv + nc);
  // With a pooled rate of 0 or 1 both sides are identical and the standard
  // error is 0: there is nothing to test.
  if (pooled <= 0) return fail("pooled conversion rate is 0");
  if (pooled >= 1) return fail("pooled conversion rate is 1");
  ZTest test;
  test.pooled_rate = pooled;
  test.standard_error = std::sqrt(pooled * (1 - pooled) * (1 / nv + 1 / nc));
  test.z = (pv - pc) / test.standard_error;
  test.p_value = std::erfc(std::fabs(test.z) / std::sqrt(2.0));
  return test;
}

absl::StatusOr<CampaignStats> Stats(const Store& store, std::string_view campaign,
                                    absl::Time from, absl::Time to, Bucket bucket,
                                    const StatsOptions& options) {
  return ComputeStats(
      [&store](std::string_view c, Bucket b, absl::Time f, absl::Time t) {
        return internal::ReadStoreAggregates(store, c, b, f, t);
      },
      campaign, from, to, bucket, options);
}

absl::StatusOr<CampaignStats> Stats(const AggregateStore& aggregates, std::string_view campaign,
                                    absl::Time from, absl::Time to, Bucket bucket,
                                    const StatsOptions& options) {
  return ComputeStats(
      [&aggregates](std::string_view c, Bucket b, absl::Time f, absl::Time t) {
        return aggregates.Read(c, b, f, t);
      },
      campaign, from, to, bucket, options);
}

namespace {

absl::StatusOr<CampaignStats> ComputeStats(const ReadRows& read, std::string_view campaign,
                                           absl::Time from, absl::Time to, Bucket bucket,
                                           const StatsOptions& options) {
  if (absl::Status s = internal::ValidateEventName("campaign", campaign); !s.ok()) return s;
  if (static_cast<size_t>(bucket) >= kBucketCount) {
    return absl::InvalidArgumentError("bucket: not a Bucket");
  }
  if (options.max_buckets < 1 || options.max_buckets > 1'000'000) {
    return absl::InvalidArgumentError(absl::StrCat("max_buckets: ", options.max_buckets,
                                                   " is outside 1..1,000,000"));
  }
  if (from == absl::InfinitePast() || from == absl::InfiniteFuture() ||
      to == absl::InfinitePast() || to == absl::InfiniteFuture()) {
    return absl::InvalidArgumentError("from, to: must be finite times");
  }
  if (to <= from) {
    return absl::InvalidArgumentError(absl::StrCat(
        "to (", absl::FormatTime(to), ") must be after from (", absl::FormatTime(from), ")"));
  }
  CampaignStats out;
  out.campaign = std::string(campaign);
  out.bucket = bucket;
  out.from = BucketStart(from, bucket);
  out.to = to;
  const absl::Duration span = to - out.from;
  const absl::Duration size = absl::Seconds(BucketSeconds(bucket));
  absl::Duration rest;
  const int64_t whole = span == absl::InfiniteDuration() ? std::numeric_limits<int64_t>::max()
                                                         : absl::IDivDuration(span, size, &rest);
  const uint64_t buckets = static_cast<uint64_t>(whole) + (rest > absl::ZeroDuration() ? 1 : 0);
  if (whole == std::numeric_limits<int64_t>::max() || buckets > options.max_buckets) {
    return absl::InvalidArgumentError(absl::StrCat(
        "from..to spans more than max_buckets (", options.max_buckets, ") ",
        Sv(BucketName(bucket)), " buckets; use a larger bucket or a shorter range"));
  }

  std::map<std::string, VariantAccumulator, std::less<>> variants;
  absl::StatusOr<std::vector<AggregateRow>> rows = read(campaign, bucket, out.from, to);
  if (!rows.ok()) return rows.status();
  for (const AggregateRow& row : *rows) {
    ++out.records_read;
    VariantAccumulator& acc = variants[row.key.variant];
    const auto type = static_cast<size_t>(row.key.type);
    acc.totals[type].count += row.totals.count;
    acc.totals[type].value_sum += row.totals.value_sum;
    EventTotals& point = acc.series[row.key.start][type];
    point.count += row.totals.count;
    point.value_sum += row.totals.value_sum;
  }

  if (!options.control_variant.empty()) {
    out.control_variant = options.control_variant;
  } else if (variants.count("control") > 0) {
    out.control_variant = "control";
  }
  const auto control = variants.find(out.control_variant);
  for (auto& [key, acc] : variants) {
    VariantStats v;
    v.variant = key;
    v.totals = acc.totals;
    for (const auto& [start, totals] : acc.series) {
      v.series.push_back({.start = absl::FromUnixSeconds(start), .totals = totals});
    }
    const int64_t impressions = acc.totals[kImpression].count;
    if (impressions > 0) {
      v.conversion_rate = static_cast<double>(acc.totals[kConversion].count) /
                          static_cast<double>(impressions);
    }
    if (out.control_variant.empty()) {
      v.no_test_reason =
          "no control variant: set StatsOptions::control_variant or name a variant \"control\"";
    } else if (key == out.control_variant) {
      v.no_test_reason = "control";
    } else if (control == variants.end()) {
      v.no_test_reason =
          absl::StrCat("control variant '", out.control_variant, "' has no events in the range");
    } else {
      v.test = TwoProportionZTest(acc.totals[kConversion].count, impressions,
                                  control->second.totals[kConversion].count,
                                  control->second.totals[kImpression].count, &v.no_test_reason);
    }
    out.variants.push_back(std::move(v));
  }
  return out;
}

}  // namespace

}  // namespace marquee::campaign
