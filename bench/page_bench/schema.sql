-- bench/page_bench/schema.sql — the table bench/run_page_bench loads with the
-- rows of `page_depth_bench --write_rows` (COPY follows, then index.sql), so
-- PostgreSQL and MemoryStore page through the same 200,000 records.
CREATE TABLE campaigns (
  id       text    PRIMARY KEY,
  priority integer NOT NULL,
  name     text    NOT NULL,
  body     jsonb   NOT NULL
);
