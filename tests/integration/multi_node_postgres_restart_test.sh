#!/usr/bin/env bash
# PostgreSQL restarted under two marquee-server nodes (issue 8, item 3). The
# test starts a PostgreSQL of its own (tests/postgres/postgres_server.sh),
# since it restarts it, and a Redis. It shows that
#   - while PostgreSQL is down, reads the caches hold are still served
#     (eventual reads of a warm campaign, from L1), strong reads and writes
#     answer 503 (never a stale "strong" answer), and /readyz says 503;
#   - once it is back, the nodes reconnect by themselves (a write through A
#     succeeds again), and their watchers catch up from the changes table:
#     a write made right after the restart, while B's listener may still be
#     reconnecting, reaches B's caches and B's delivery view (decide);
#   - writes and votes through both nodes work again and agree.
# Needs PostgreSQL 15's server binaries (postgresql-15), redis-server and
# curl; FAILS without them.
#
#   multi_node_postgres_restart_test.sh path/to/marquee-server WORK_DIR
set -euo pipefail

server=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
# shellcheck source=tests/integration/multi_node_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/multi_node_lib.sh"

mn_init restart private-postgres
mn_start_private_postgres
mn_start_redis
mn_start_node a
mn_start_node b
mn_wait_node a
mn_wait_node b

# put_live NODE TEXT: replaces pg-live's content text; prints the status.
put_live() {
  local node=$1 text=$2 out etag
  out=$(http "$node" GET "/v1/campaigns/pg-live?consistency=strong")
  [[ $(status_of "$out") == 200 ]] || { status_of "$out"; return; }
  etag=$(etag_of)
  out=$(http "$node" PUT /v1/campaigns/pg-live \
    "{\"name\":\"live\",\"status\":\"live\",\"priority\":5,\"placements\":[\"pg.slot\"],\"variants\":[{\"key\":\"only\",\"weight\":1,\"content\":{\"text\":\"$text\"}}]}" \
    "If-Match: $etag")
  status_of "$out"
}
# wait_for NODE PATH NEEDLE LIMIT_MS: until an eventual read holds NEEDLE;
# prints the milliseconds it took.
wait_for() {
  local start out
  start=$(now_ms)
  while true; do
    out=$(http "$1" GET "$2")
    [[ $(body_of "$out") == *"$3"* ]] && break
    (($(now_ms) - start < $4)) || fail "node $1: $2 lacks $3 after $4 ms: $out"
    sleep 0.02
  done
  echo $(($(now_ms) - start))
}

out=$(http a POST /v1/campaigns '{"id":"pg-live","name":"live","status":"live","priority":5,"placements":["pg.slot"],"variants":[{"key":"only","weight":1,"content":{"text":"before"}}]}')
[[ $(status_of "$out") == 201 ]] || fail "create pg-live: $out"
wait_for b /v1/campaigns/pg-live '"text":"before"' 2000 >/dev/null
wait_for b "/v1/decide?user=u1&placement=pg.slot" '"text":"before"' 2000 >/dev/null
# Warm both L1s.
for node in a b; do http "$node" GET /v1/campaigns/pg-live >/dev/null; done

# ---- PostgreSQL down ---------------------------------------------------------
"$postgres_script" stop "$private_postgres_dir" || fail "could not stop PostgreSQL"
say "PostgreSQL stopped"
for node in a b; do
  out=$(http "$node" GET /v1/campaigns/pg-live)
  [[ $(status_of "$out") == 200 && $(body_of "$out") == *'"text":"before"'* ]] ||
    fail "node $node: a warm eventual read while PostgreSQL is down: $out"
  out=$(http "$node" GET "/v1/campaigns/pg-live?consistency=strong")
  [[ $(status_of "$out") == 503 ]] || fail "node $node: a strong read while PostgreSQL is down: $out"
  out=$(http "$node" GET /readyz)
  [[ $(status_of "$out") == 503 ]] || fail "node $node: /readyz while PostgreSQL is down: $out"
done
code=$(put_live a during)
[[ $code == 503 ]] || fail "a write while PostgreSQL is down answered $code, expected 503"
say "  while down: warm reads served from L1, strong reads, writes and /readyz answer 503"

# ---- PostgreSQL back -----------------------------------------------------------
restarted=$(now_ms)
mn_restart_private_postgres
say "PostgreSQL started again ($(($(now_ms) - restarted)) ms)"
back=$(now_ms)
until [[ $(put_live a after) == 200 ]]; do
  (($(now_ms) - back < 15000)) || fail "node A could not write 15 s after PostgreSQL returned"
  sleep 0.05
done
say "  node A wrote again $(($(now_ms) - back)) ms after PostgreSQL was back"
ms=$(wait_for b /v1/campaigns/pg-live '"text":"after"' 5000)
say "  B's caches caught up with that write in $ms ms"
ms=$(wait_for b "/v1/decide?user=u1&placement=pg.slot" '"text":"after"' 5000)
say "  B's delivery view (decide) caught up in $ms ms"

# Both nodes write and agree again; B's writes reach A.
code=$(put_live b from-b)
[[ $code == 200 ]] || fail "a write through B after the restart answered $code"
ms=$(wait_for a /v1/campaigns/pg-live '"text":"from-b"' 2000)
out=$(http b POST /v1/polls '{"id":"pg-poll","question":"Q?","options":[{"key":"x","label":"X"},{"key":"y","label":"Y"}]}')
[[ $(status_of "$out") == 201 ]] || fail "create pg-poll after the restart: $out"
for i in 1 2 3 4 5 6; do
  node=a
  ((i % 2)) && node=b
  out=$(http "$node" POST /v1/polls/pg-poll/votes "{\"user\":\"u$i\",\"option\":\"x\"}")
  [[ $(status_of "$out") == 201 ]] || fail "vote $i through $node: $out"
done
for node in a b; do
  out=$(http "$node" GET /v1/polls/pg-poll/results)
  [[ $(body_of "$out") == *'"total":6'* ]] || fail "tally through $node after the restart: $out"
  [[ $(status_of "$(http "$node" GET /readyz)") == 200 ]] || fail "node $node not ready after the restart"
done
say "  a write through B reached A in $ms ms; 6 votes through both nodes, tally 6 on both"

echo "multi-node postgres restart test passed"
