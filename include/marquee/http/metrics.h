// marquee/http/metrics.h — Prometheus text exposition (format 0.0.4) for
// GET /metrics.
//
// The Api counts its own requests (per route pattern, method and status,
// with a latency histogram); the host adds what only it knows (store,
// caches, event queue, stream subscribers) through
// ApiOptions::extra_metrics, writing with a PrometheusText.
// Thread-safety: a PrometheusText is not thread-safe (one per rendering).
//
//   options.extra_metrics = [store](marquee::http::PrometheusText& out) {
//     out.Counter("marquee_store_fsyncs_total", "fsync calls on the log",
//                 store->stats().fsyncs);
//   };
#ifndef MARQUEE_HTTP_METRICS_H_
#define MARQUEE_HTTP_METRICS_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "marquee/export.h"

namespace marquee::http {

// The Content-Type of the exposition.
inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4";

class MARQUEE_EXPORT PrometheusText {
 public:
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  explicit PrometheusText(std::string* out) : out_(out) {}

  // One sample of a counter or gauge; "# HELP" and "# TYPE" are written
  // before the first sample of each name. Names must match
  // [a-zA-Z_:][a-zA-Z0-9_:]* (a sample with another name is dropped);
  // label values are escaped.
  void Counter(std::string_view name, std::string_view help, double value, Labels labels = {});
  void Gauge(std::string_view name, std::string_view help, double value, Labels labels = {});

  // Writes "# HELP" and "# TYPE" of `name` unless this name was described
  // last; for histograms written sample by sample (see Sample).
  void Describe(std::string_view name, std::string_view type, std::string_view help);
  // One raw sample line: name{labels} value.
  void Sample(std::string_view name, double value, Labels labels = {});

 private:
  std::string* out_;
  std::string described_;
};

}  // namespace marquee::http

#endif  // MARQUEE_HTTP_METRICS_H_
