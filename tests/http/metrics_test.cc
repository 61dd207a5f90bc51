// The Prometheus text exposition: names, escaping, numbers, and the Api's
// request histogram (cumulative buckets, stable order, bounded series).
#include <doctest/doctest.h>

#include <string>

#include "absl/time/time.h"
#include "http/request_metrics.h"
#include "marquee/http/metrics.h"

namespace marquee::http {
namespace {

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("prometheus text: help and type once per name, then samples") {
  std::string out;
  PrometheusText text(&out);
  text.Counter("marquee_x_total", "Things.\nTwo lines \\ here", 3, {{"tier", "l1"}});
  text.Counter("marquee_x_total", "Things.", 4, {{"tier", "l2"}});
  text.Gauge("marquee_depth", "Queue depth.", 0.5);
  CHECK(out ==
        "# HELP marquee_x_total Things.\\nTwo lines \\\\ here\n"
        "# TYPE marquee_x_total counter\n"
        "marquee_x_total{tier=\"l1\"} 3\n"
        "marquee_x_total{tier=\"l2\"} 4\n"
        "# HELP marquee_depth Queue depth.\n"
        "# TYPE marquee_depth gauge\n"
        "marquee_depth 0.5\n");
}

TEST_CASE("prometheus text: label values are escaped and bad names dropped") {
  std::string out;
  PrometheusText text(&out);
  text.Sample("m", 1, {{"path", "a\"b\\c\nd"}});
  CHECK(out == "m{path=\"a\\\"b\\\\c\\nd\"} 1\n");
  out.clear();
  text.Sample("1bad", 1);
  text.Sample("bad-name", 1);
  text.Sample("", 1);
  CHECK(out.empty());
}

TEST_CASE("request metrics: cumulative buckets, sum and count per series") {
  internal::RequestMetrics metrics;
  metrics.Observe("/v1/campaigns/{id}", "GET", 200, absl::Microseconds(30));
  metrics.Observe("/v1/campaigns/{id}", "GET", 200, absl::Microseconds(700));
  metrics.Observe("/v1/campaigns/{id}", "GET", 200, absl::Seconds(30));
  metrics.Observe("/healthz", "GET", 200, absl::Microseconds(10));
  std::string out;
  PrometheusText text(&out);
  metrics.Render(text);
  const std::string series = "route=\"/v1/campaigns/{id}\",method=\"GET\",status=\"200\"";
  CHECK(Has(out, "marquee_http_requests_total{" + series + "} 3\n"));
  CHECK(Has(out, "marquee_http_request_duration_seconds_bucket{" + series + ",le=\"5e-05\"} 1\n"));
  CHECK(Has(out, "marquee_http_request_duration_seconds_bucket{" + series + ",le=\"0.001\"} 2\n"));
  CHECK(Has(out, "marquee_http_request_duration_seconds_bucket{" + series + ",le=\"5\"} 2\n"));
  CHECK(Has(out, "marquee_http_request_duration_seconds_bucket{" + series + ",le=\"+Inf\"} 3\n"));
  CHECK(Has(out, "marquee_http_request_duration_seconds_count{" + series + "} 3\n"));
  CHECK(Has(out, "marquee_http_request_duration_seconds_sum{" + series + "} 30.00073\n"));
  // Sorted: /healthz before /v1/...
  CHECK(out.find("route=\"/healthz\"") < out.find("route=\"/v1/campaigns/{id}\""));
  // One HELP/TYPE per metric name.
  CHECK(out.find("# TYPE marquee_http_request_duration_seconds histogram") ==
        out.rfind("# TYPE marquee_http_request_duration_seconds histogram"));
}

TEST_CASE("request metrics: series beyond the cap are counted as other") {
  internal::RequestMetrics metrics;
  for (size_t i = 0; i < internal::RequestMetrics::kMaxSeries + 50; ++i) {
    metrics.Observe("/r", "M" + std::to_string(i), 200, absl::Microseconds(1));
  }
  std::string out;
  PrometheusText text(&out);
  metrics.Render(text);
  CHECK(Has(out, "marquee_http_requests_total{route=\"other\",method=\"other\",status=\"0\"} 50\n"));
  CHECK_FALSE(Has(out, "method=\"M2049\""));
}

}  // namespace
}  // namespace marquee::http
