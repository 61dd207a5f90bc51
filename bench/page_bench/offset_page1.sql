-- OFFSET pagination, page 1 (bench/run_page_bench).
SELECT id, body FROM campaigns ORDER BY priority DESC, id LIMIT 50 OFFSET 0;
