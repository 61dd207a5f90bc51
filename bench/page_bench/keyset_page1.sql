-- Keyset pagination, page 1: no position yet (bench/run_page_bench).
SELECT id, body FROM campaigns ORDER BY priority DESC, id LIMIT 50;
