// What marquee-server adds to GET /metrics beyond the Api's request
// histogram: its store's and event ingestor's counters.
#ifndef MARQUEE_EXAMPLES_SERVER_SERVER_METRICS_H_
#define MARQUEE_EXAMPLES_SERVER_SERVER_METRICS_H_

#include "marquee/campaign/events.h"
#include "marquee/http/metrics.h"
#include "marquee/memory_store.h"

namespace marquee_server {

void WriteServerMetrics(const marquee::MemoryStore& store,
                        const marquee::campaign::EventIngestor& events,
                        marquee::http::PrometheusText& out);

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_SERVER_METRICS_H_
