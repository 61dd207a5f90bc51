#include "server_metrics.h"

namespace marquee_server {

void WriteServerMetrics(const marquee::MemoryStore& store,
                        const marquee::campaign::EventIngestor& events,
                        marquee::http::PrometheusText& out) {
  const marquee::MemoryStoreStats s = store.stats();
  out.Gauge("marquee_store_records", "Records in the store.", static_cast<double>(s.records));
  out.Gauge("marquee_store_version", "The store's latest version.", static_cast<double>(s.version));
  out.Gauge("marquee_store_log_bytes", "Bytes in the current log files.",
            static_cast<double>(s.log_bytes));
  out.Counter("marquee_store_fsyncs_total", "fsync calls on the log.",
              static_cast<double>(s.fsyncs));
  out.Counter("marquee_store_group_commits_total",
              "Log appends, each carrying one or more write batches.",
              static_cast<double>(s.group_commits));
  out.Counter("marquee_store_snapshots_total", "Snapshots written.",
              static_cast<double>(s.snapshots_written));
  const marquee::campaign::EventIngestorStats e = events.stats();
  out.Gauge("marquee_events_queue_depth", "Events accepted and not yet written.",
            static_cast<double>(e.pending_events));
  out.Counter("marquee_events_accepted_total", "Events of accepted batches.",
              static_cast<double>(e.accepted_events));
  out.Counter("marquee_events_rejected_total", "Events refused because the queue was full.",
              static_cast<double>(e.rejected_full_events));
  out.Counter("marquee_events_write_failures_total", "Aggregate write rounds that failed.",
              static_cast<double>(e.write_failures));
}

}  // namespace marquee_server
