// RequestMetrics: the Api's own counts for /metrics: per route pattern,
// method and status, a latency histogram (its _count is the request count).
// Thread-safety: Observe and Render may run concurrently; a known series
// costs a shared lock and a few relaxed atomic adds.
#ifndef MARQUEE_SRC_HTTP_REQUEST_METRICS_H_
#define MARQUEE_SRC_HTTP_REQUEST_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "marquee/http/metrics.h"

namespace marquee::http::internal {

class RequestMetrics {
 public:
  // Upper bounds of the latency buckets, in seconds (+Inf is implied).
  static constexpr std::array<double, 14> kBuckets = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
      0.01,    0.025,  0.05,    0.1,    0.25,  1.0,    5.0};
  // Most distinct series kept; later new ones are counted under
  // route="other" (methods and statuses come from outside).
  static constexpr size_t kMaxSeries = 2000;

  // `route` is the matched pattern ("/v1/campaigns/{id}"), never the raw
  // path, so ids do not become labels.
  void Observe(std::string_view route, std::string_view method, int status,
               absl::Duration latency);
  void Render(PrometheusText& out) const;

 private:
  struct Series {
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};  // last: +Inf
    std::atomic<uint64_t> count{0};
    std::atomic<uint64_t> sum_nanos{0};
  };
  using Key = std::tuple<std::string, std::string, int>;
  Series& Find(std::string_view route, std::string_view method, int status);

  mutable std::shared_mutex mu_;
  absl::flat_hash_map<Key, std::unique_ptr<Series>> series_;
};

}  // namespace marquee::http::internal

#endif  // MARQUEE_SRC_HTTP_REQUEST_METRICS_H_
