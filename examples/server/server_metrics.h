// What marquee-server adds to GET /metrics beyond the Api's request
// histogram: its store's, read cache's and event ingestor's counters.
#ifndef MARQUEE_EXAMPLES_SERVER_SERVER_METRICS_H_
#define MARQUEE_EXAMPLES_SERVER_SERVER_METRICS_H_

#include "marquee/campaign/events.h"
#include "marquee/http/metrics.h"
#include "marquee/memory_store.h"
#include "marquee/store.h"
#include "marquee/tiered_cache.h"

namespace marquee_server {

// `memory`: the embedded store's own counters (null on PostgreSQL);
// `cache`: the read cache (null when there is none).
void WriteServerMetrics(const marquee::Store& store, const marquee::MemoryStore* memory,
                        const marquee::TieredCache* cache,
                        const marquee::campaign::EventIngestor& events,
                        marquee::http::PrometheusText& out);

}  // namespace marquee_server

#endif  // MARQUEE_EXAMPLES_SERVER_SERVER_METRICS_H_
