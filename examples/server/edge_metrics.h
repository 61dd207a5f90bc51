// What marquee-server adds to GET /metrics for its edge purger
// (--edge-varnish, --edge-purge-url): marquee_edge_purge_*.
#ifndef MARQUEE_EXAMPLES_SERVER_EDGE_METRICS_H_
#define MARQUEE_EXAMPLES_SERVER_EDGE_METRICS_H_

#include "marquee/http/edge_purger.h"
#include "marquee/http/metrics.h"

namespace marquee_server {

void WriteEdgePurgeMetrics(const marquee::http::EdgePurgerStats& stats,
                           marquee::http::PrometheusText& out);

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_EDGE_METRICS_H_
