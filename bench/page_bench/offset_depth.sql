-- OFFSET pagination, the page after row 100,000: the server walks and drops
-- the first 100,000 rows of the index (bench/run_page_bench).
SELECT id, body FROM campaigns ORDER BY priority DESC, id LIMIT 50 OFFSET 100000;
