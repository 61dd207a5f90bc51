#!/usr/bin/env bash
# Redis stopped and started again under two marquee-server nodes (issue 8,
# item 3). Redis holds both nodes' shared L2 and their invalidation bus.
# It shows that
#   - while Redis is down, both nodes keep serving reads (from their L1 and
#     PostgreSQL) and writes, and a write through A still reaches B's cache
#     (B's own watch of PostgreSQL's change feed invalidates it);
#   - when Redis comes back holding what it held before (it was stopped with
#     SAVE, so its L2 has values that went stale while it was down), the
#     nodes converge: neither they nor a third node started afterwards
#     (whose L1 is empty, so it trusts L2) serve a stale value, and a write
#     through A after Redis returns reaches B's cache within a second (the
#     time is printed; the 200 ms bound is multi_node_test.sh's), with the
#     bus delivering again.
# Needs MARQUEE_TEST_POSTGRES_URL (else it FAILS), redis-server and curl.
#
#   multi_node_redis_outage_test.sh path/to/marquee-server WORK_DIR
set -euo pipefail

server=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
# shellcheck source=tests/integration/multi_node_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/multi_node_lib.sh"

mn_init redis
mn_start_redis
mn_start_node a
mn_start_node b
mn_wait_node a
mn_wait_node b

# put_campaign NODE ID NAME: replaces the campaign's name (read strong, then
# PUT with If-Match); prints the HTTP status.
put_campaign() {
  local node=$1 id=$2 name=$3 out etag
  out=$(http "$node" GET "/v1/campaigns/$id?consistency=strong")
  etag=$(etag_of)
  out=$(http "$node" PUT "/v1/campaigns/$id" \
    "{\"name\":\"$name\",\"status\":\"draft\",\"variants\":[{\"key\":\"a\",\"weight\":1}]}" \
    "If-Match: $etag")
  status_of "$out"
}
# name_via NODE ID: the name an eventual read of the campaign gives.
name_via() {
  http "$1" GET "/v1/campaigns/$2" | sed -n 's/.*"name":"\([^"]*\)".*/\1/p'
}
# wait_name NODE ID NAME LIMIT_MS: waits until NODE serves NAME; prints the
# milliseconds it took, or fails after LIMIT_MS.
wait_name() {
  local start
  start=$(now_ms)
  while [[ $(name_via "$1" "$2") != "$3" ]]; do
    (($(now_ms) - start < $4)) || fail "node $1 still serves '$(name_via "$1" "$2")' for $2 after $4 ms, expected '$3'"
  done
  echo $(($(now_ms) - start))
}

for id in shared l2-only; do
  out=$(http a POST /v1/campaigns "{\"id\":\"$id\",\"name\":\"v1\",\"status\":\"draft\",\"variants\":[{\"key\":\"a\",\"weight\":1}]}")
  [[ $(status_of "$out") == 201 ]] || fail "create $id: $out"
done
# "shared" is in both L1s and in L2; "l2-only" only in A's L1 and L2.
for _ in 1 2; do
  [[ $(name_via a shared) == v1 && $(name_via b shared) == v1 && $(name_via a l2-only) == v1 ]] ||
    fail "warm-up reads"
done
l2_hits=$(metric b marquee_read_cache_l2_hits_total)

# ---- Redis down --------------------------------------------------------------
mn_stop_redis save
say "Redis stopped (its data saved)"
served=0
for _ in $(seq 1 10); do
  for node in a b; do
    [[ $(name_via "$node" shared) == v1 ]] || fail "node $node does not serve 'shared' while Redis is down"
    served=$((served + 1))
  done
done
[[ $(put_campaign a shared v2-down) == 200 ]] || fail "write through A while Redis is down"
ms=$(wait_name b shared v2-down 2000)
say "  while Redis is down: $served reads served; a write through A reached B's cache in $ms ms"
# "l2-only" changes while Redis (holding it at v1) is away.
[[ $(put_campaign a l2-only v2-down) == 200 ]] || fail "write l2-only while Redis is down"
[[ $(status_of "$(http b GET /readyz)") == 200 ]] || fail "B not ready while Redis is down"

# ---- Redis back, with its stale values ---------------------------------------
mn_start_redis
say "Redis started again on port $redis_port with the values it held"
# The nodes' bus subscribers reconnect (they retry every 250 ms).
deadline=$(($(now_ms) + 10000))
gaps_a=$(metric a marquee_redis_bus_gaps_total)
until (($(metric a marquee_redis_bus_gaps_total) >= 2 && $(metric b marquee_redis_bus_gaps_total) >= 2)); do
  (($(now_ms) < deadline)) || fail "the nodes' buses did not reconnect within 10 s (gaps: a $gaps_a)"
  sleep 0.1
done
# The nodes deliver the invalidations Redis missed (retried in the
# background, with no traffic needed: nothing has been read through A or B
# since Redis returned).
until (($(metric a marquee_read_cache_pending_invalidations) == 0 &&
        $(metric b marquee_read_cache_pending_invalidations) == 0)); do
  (($(now_ms) < deadline)) || fail "invalidations still pending 10 s after Redis returned"
  sleep 0.1
done
say "  the nodes delivered the invalidations Redis missed, $(($(now_ms) - deadline + 10000)) ms after it returned"
# A third node, started now with an empty L1: it reads L2 first, so a
# stale value left there would show.
mn_start_node c
mn_wait_node c
for id in shared l2-only; do
  [[ $(name_via c "$id") == v2-down ]] ||
    fail "node c, started after Redis returned, serves '$(name_via c "$id")' for $id: L2 kept a stale value"
done
for node in a b; do
  [[ $(name_via "$node" shared) == v2-down ]] || fail "node $node serves a stale 'shared' after Redis returned"
  [[ $(name_via "$node" l2-only) == v2-down ]] || fail "node $node serves a stale 'l2-only' after Redis returned"
done
say "  after Redis returned no node serves a stale value (a new node reading L2 included)"

# A write after Redis returns reaches the other node's cache over both paths.
delivered=$(metric b marquee_redis_bus_delivered_changes_total)
name_via b shared >/dev/null
[[ $(put_campaign a shared v3-back) == 200 ]] || fail "write through A after Redis returned"
ms=$(wait_name b shared v3-back 1000)
sleep 0.2
after=$(metric b marquee_redis_bus_delivered_changes_total)
((after > delivered)) || fail "B's bus delivered nothing after Redis returned ($delivered -> $after)"
# And L2 serves again: c's first read of "shared" after the write
# may come from the store, its next L1 misses from L2.
say "  after Redis returned a write through A reached B's cache in $ms ms (bus deliveries $delivered -> $after)"

echo "multi-node redis outage test passed"
