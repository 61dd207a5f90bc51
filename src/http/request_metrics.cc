#include "http/request_metrics.h"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

namespace marquee::http::internal {

RequestMetrics::Series& RequestMetrics::Find(std::string_view route, std::string_view method,
                                             int status) {
  Key key{std::string(route), std::string(method), status};
  {
    std::shared_lock lock(mu_);
    if (auto it = series_.find(key); it != series_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  if (series_.size() >= kMaxSeries && !series_.contains(key)) {
    key = Key{"other", "other", 0};
  }
  std::unique_ptr<Series>& slot = series_[key];
  if (slot == nullptr) slot = std::make_unique<Series>();
  return *slot;
}

void RequestMetrics::Observe(std::string_view route, std::string_view method, int status,
                             absl::Duration latency) {
  Series& s = Find(route, method, status);
  const double seconds = absl::ToDoubleSeconds(latency);
  const size_t bucket =
      std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin();
  s.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  s.count.fetch_add(1, std::memory_order_relaxed);
  s.sum_nanos.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, absl::ToInt64Nanoseconds(latency))),
                        std::memory_order_relaxed);
}

void RequestMetrics::Render(PrometheusText& out) const {
  std::shared_lock lock(mu_);
  // Sorted, so the exposition is stable from one scrape to the next.
  std::vector<const std::pair<const Key, std::unique_ptr<Series>>*> sorted;
  sorted.reserve(series_.size());
  for (const auto& entry : series_) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });

  constexpr std::string_view kRequests = "marquee_http_requests_total";
  constexpr std::string_view kDuration = "marquee_http_request_duration_seconds";
  for (const auto* entry : sorted) {
    const auto& [route, method, status] = entry->first;
    const std::string code = std::to_string(status);
    out.Counter(kRequests, "HTTP requests answered, by route pattern, method and status.",
                static_cast<double>(entry->second->count.load(std::memory_order_relaxed)),
                {{"route", route}, {"method", method}, {"status", code}});
  }
  for (const auto* entry : sorted) {
    const auto& [route, method, status] = entry->first;
    const Series& s = *entry->second;
    const std::string code = std::to_string(status);
    out.Describe(kDuration, "histogram",
                 "Time from a parsed request to its response, by route pattern, method and status.");
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= kBuckets.size(); ++i) {
      cumulative += s.buckets[i].load(std::memory_order_relaxed);
      const std::string le = i < kBuckets.size() ? [&] {
        char b[32];
        std::snprintf(b, sizeof b, "%g", kBuckets[i]);
        return std::string(b);
      }()
                                                 : std::string("+Inf");
      out.Sample(std::string(kDuration) + "_bucket", static_cast<double>(cumulative),
                 {{"route", route}, {"method", method}, {"status", code}, {"le", le}});
    }
    out.Sample(std::string(kDuration) + "_sum",
               static_cast<double>(s.sum_nanos.load(std::memory_order_relaxed)) / 1e9,
               {{"route", route}, {"method", method}, {"status", code}});
    out.Sample(std::string(kDuration) + "_count",
               static_cast<double>(s.count.load(std::memory_order_relaxed)),
               {{"route", route}, {"method", method}, {"status", code}});
  }
}

}  // namespace marquee::http::internal
