-- Keyset pagination, the page after row 100,000, whose position
-- (@PRIORITY@, @ID@) bench/run_page_bench fills in. The order is priority
-- descending, id ascending, which a row comparison cannot state ((priority,
-- id) < (p, i) would order id descending), so the predicate is spelled out;
-- `priority <= p` is the index condition that starts the scan at the
-- position, and the OR drops the rows of priority p up to id i.
SELECT id, body FROM campaigns
WHERE priority <= @PRIORITY@ AND (priority < @PRIORITY@ OR id > @ID@)
ORDER BY priority DESC, id
LIMIT 50;
