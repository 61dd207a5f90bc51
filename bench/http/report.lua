-- bench/http/report.lua — wrk's done() for bench/run_http_bench: one line
-- of key=value fields after wrk's own summary. wrk counts a status >= 400
-- as a "status" error; run_http_bench refuses a run that has any.
--   wrk -t2 -c64 -d10s --latency -s bench/http/report.lua URL
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "wrk requests=%d duration_s=%.3f rps=%.1f p50_us=%d p99_us=%d max_us=%d " ..
    "status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
