-- bench/page_bench/index.sql — after the load: the index Marquee declares as
-- by_priority (priority descending, id ascending as the tie-breaker), then
-- statistics and the visibility map, so the planner sees the real table.
CREATE INDEX campaigns_by_priority ON campaigns (priority DESC, id);
VACUUM ANALYZE campaigns;
