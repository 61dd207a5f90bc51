// GET /metrics: the Api's request histogram and the host's extra metrics in
// the Prometheus text format.
#include <string>

#include "absl/status/status.h"
#include "http/api_internal.h"
#include "http/poll_stream.h"
#include "http/request_metrics.h"
#include "http/router.h"
#include "marquee/http/metrics.h"

namespace marquee::http::internal {

absl::Status AddMetricsRoute(const ApiContext* context, const RequestMetrics* metrics,
                             Router* router) {
  return router->Add("GET", "/metrics", [context, metrics](const RouteContext&) {
    Response response{.status = 200};
    PrometheusText text(&response.body);
    metrics->Render(text);
    if (context->streams) {
      text.Gauge("marquee_sse_subscribers", "Live Server-Sent Event streams.",
                 static_cast<double>(LiveStreams(*context->streams)));
    }
    if (context->options.extra_metrics) context->options.extra_metrics(text);
    response.headers.Set("Content-Type", kPrometheusContentType);
    response.headers.Set("Cache-Control", "no-store");
    return response;
  });
}

}  // namespace marquee::http::internal
