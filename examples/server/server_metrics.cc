#include "server_metrics.h"

namespace marquee_server {

namespace {

void WriteMemoryStoreMetrics(const marquee::MemoryStore& store, marquee::http::PrometheusText& out) {
  const marquee::MemoryStoreStats s = store.stats();
  out.Gauge("marquee_store_records", "Records in the store.", static_cast<double>(s.records));
  out.Gauge("marquee_store_log_bytes", "Bytes in the current log files.",
            static_cast<double>(s.log_bytes));
  out.Counter("marquee_store_fsyncs_total", "fsync calls on the log.",
              static_cast<double>(s.fsyncs));
  out.Counter("marquee_store_group_commits_total",
              "Log appends, each carrying one or more write batches.",
              static_cast<double>(s.group_commits));
  out.Counter("marquee_store_snapshots_total", "Snapshots written.",
              static_cast<double>(s.snapshots_written));
}

void WriteReadCacheMetrics(const marquee::TieredCache& cache, marquee::http::PrometheusText& out) {
  const marquee::TieredCacheStats s = cache.stats();
  out.Counter("marquee_read_cache_l1_hits_total", "Reads answered by this node's L1.",
              static_cast<double>(s.l1.hits + s.l1.negative_hits));
  out.Counter("marquee_read_cache_l1_misses_total", "Reads the L1 could not answer.",
              static_cast<double>(s.l1.misses));
  out.Gauge("marquee_read_cache_l1_bytes", "Bytes held by this node's L1.",
            static_cast<double>(s.l1.bytes));
  out.Counter("marquee_read_cache_l2_hits_total", "L1 misses answered by the shared L2.",
              static_cast<double>(s.remote_hits));
  out.Counter("marquee_read_cache_l2_misses_total", "L1 misses the L2 did not hold.",
              static_cast<double>(s.remote_misses));
  out.Counter("marquee_read_cache_l2_errors_total",
              "L2 calls that failed (the read went to the store).",
              static_cast<double>(s.remote_errors));
  out.Counter("marquee_read_cache_store_reads_total", "Cache misses read from the store.",
              static_cast<double>(s.store_reads));
  out.Counter("marquee_read_cache_changes_applied_total",
              "Changes of the store's feed applied to the caches.",
              static_cast<double>(s.changes_applied));
  out.Counter("marquee_read_cache_bus_invalidations_total",
              "Invalidations received on the Redis bus.",
              static_cast<double>(s.bus_invalidations));
  out.Gauge("marquee_read_cache_pending_invalidations",
            "Changes not yet invalidated in L2 or published on the bus (Redis down); retried.",
            static_cast<double>(s.pending_invalidations));
  out.Counter("marquee_read_cache_flushes_total",
              "L1 flushes after a lost change feed or bus connection.",
              static_cast<double>(s.flushes));
}

}  // namespace

void WriteServerMetrics(const marquee::Store& store, const marquee::MemoryStore* memory,
                        const marquee::TieredCache* cache,
                        const marquee::campaign::EventIngestor& events,
                        marquee::http::PrometheusText& out) {
  out.Gauge("marquee_store_version", "The store's latest version.",
            static_cast<double>(store.CurrentVersion()));
  if (memory != nullptr) WriteMemoryStoreMetrics(*memory, out);
  if (cache != nullptr) WriteReadCacheMetrics(*cache, out);
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
