#include "edge_metrics.h"

#include "absl/time/time.h"

namespace marquee_server {

void WriteEdgePurgeMetrics(const marquee::http::EdgePurgerStats& s,
                           marquee::http::PrometheusText& out) {
  const auto n = [](auto value) { return static_cast<double>(value); };
  out.Counter("marquee_edge_purge_changes_total",
              "Changes of tagged collections seen by the edge purger.", n(s.changes_seen));
  out.Counter("marquee_edge_purge_requests_total", "Purge requests the edge answered with 2xx.",
              n(s.purge_requests));
  out.Counter("marquee_edge_purge_keys_total", "Surrogate keys purged (per target).",
              n(s.keys_purged));
  out.Counter("marquee_edge_purge_failures_total",
              "Purge requests that failed (no connection, timeout, refused, 5xx).", n(s.failures));
  out.Counter("marquee_edge_purge_keys_dropped_total",
              "Keys given up after repeated failures or a refusal.", n(s.keys_dropped));
  out.Counter("marquee_edge_purge_overflows_total",
              "Backlogs that fell back to whole-collection keys.", n(s.overflows));
  out.Counter("marquee_edge_purge_apply_timeouts_total",
              "Purges sent before this node's caches reached the change.", n(s.apply_timeouts));
  out.Counter("marquee_edge_purge_feed_gaps_total",
              "Times the change feed was lost and every collection purged.", n(s.feed_gaps));
  out.Gauge("marquee_edge_purge_pending_keys", "Keys waiting to be purged, over all targets.",
            n(s.pending_keys));
  out.Gauge("marquee_edge_purge_version", "Newest change version purged at every target.",
            n(s.purged_version));
  out.Gauge("marquee_edge_purge_lag_seconds",
            "Last purge: from its first change being seen to the edge acknowledging it.",
            absl::ToDoubleSeconds(s.last_lag));
}

}  // namespace marquee_server
