#!/usr/bin/env bash
# Two marquee-server nodes on one PostgreSQL and one Redis (issue 8, items 3
# and 5), as an operator runs them: real processes on loopback, nothing
# mocked. It shows that
#   - two nodes started at once with --demo on one fresh schema both start,
#     and the demo is seeded once (no duplicate, no failure);
#   - a write through node A is visible through node B, whose caches held
#     the old value, within 200 ms: campaigns and segments (B's L1, the
#     shared L2), features and decisions (B's delivery view) — measured
#     from A's acknowledgement to the first read of B that shows it;
#   - a strong read (?consistency=strong, Cache-Control: no-cache) on B
#     right after a write on A always sees it, and does not touch B's L1;
#   - 32 clients voting at once, half through each node, each vote sent
#     twice (once through each node), give the exact tally on both nodes;
#   - events posted through both nodes add up in PostgreSQL's aggregate
#     tables (event_aggregates), and both nodes' stats show the sum.
# Needs MARQUEE_TEST_POSTGRES_URL (scripts/test or
# tests/postgres/with_postgres.sh start one; without it the test FAILS), and
# redis-server and curl on the PATH. The test uses a schema of its own,
# dropped at the end.
#
#   multi_node_test.sh path/to/marquee-server WORK_DIR [LIMIT_MS]
#
# LIMIT_MS, the visibility bound, is 200 (the issue's); ctest passes a
# larger one to sanitizer builds, whose servers run several times slower.
set -euo pipefail

server=$1
work=$2
limit_ms=${3:-200}
rm -rf "$work"
mkdir -p "$work"
# shellcheck source=tests/integration/multi_node_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/multi_node_lib.sh"

mn_init basic
mn_start_redis

# ---- two nodes, started at once, both seeding the demo ------------------------
mn_start_node a --demo
mn_start_node b --demo
mn_wait_node a
mn_wait_node b
grep -q "campaign spring-sale (live, 2 variants): " "$work/node-a.err" || fail "node a: no demo report"
created=$(cat "$work/node-a.err" "$work/node-b.err" | grep -c "campaign spring-sale (live, 2 variants): created" || true)
[[ $created -eq 1 ]] || fail "spring-sale reported created by $created nodes, expected exactly 1"
list=$(http a GET "/v1/campaigns?limit=100")
[[ $(status_of "$list") == 200 ]] || fail "campaign list: $list"
count=$(body_of "$list" | grep -o '"id":"[^"]*"' | sort | uniq -c | awk '$1 > 1' | wc -l)
[[ $count -eq 0 ]] || fail "duplicated campaigns: $(body_of "$list")"
[[ $(body_of "$list" | grep -o '"id":"' | wc -l) -eq 4 ]] || fail "expected the 4 demo campaigns: $(body_of "$list")"
tally=$(http b GET /v1/polls/favourite-banner/results)
[[ $(body_of "$tally") == *'"total":3'* ]] || fail "demo poll tally: $tally"
say "two nodes started with --demo on one schema: seeded once"

# ---- a write through A, visible through B's caches within 200 ms -------------
# wait_visible NODE PATH NEEDLE START_MS: polls NODE (eventual reads) until
# the body holds NEEDLE; prints the milliseconds since START_MS.
wait_visible() {
  local node=$1 path=$2 needle=$3 start=$4 deadline=$(($(now_ms) + 5000)) out
  while (($(now_ms) < deadline)); do
    out=$(curl -s -m 5 -H "Authorization: Bearer $admin_key" "http://127.0.0.1:${node_port[$node]}$path")
    if [[ $out == *"$needle"* ]]; then
      echo $(($(now_ms) - start))
      return 0
    fi
  done
  echo 99999
}

worst=0
record_latency() {
  local what=$1 ms=$2
  say "  $what visible through B after $ms ms"
  ((ms < limit_ms)) || fail "$what took $ms ms to become visible through node B (limit $limit_ms ms)"
  ((ms > worst)) && worst=$ms
  true
}

out=$(http a POST /v1/campaigns '{"id":"mn-visible","name":"round 0","status":"draft","variants":[{"key":"a","weight":1}]}')
[[ $(status_of "$out") == 201 ]] || fail "create mn-visible: $out"
out=$(http a POST /v1/segments '{"id":"mn-seg","name":"seg 0","condition":{"country":"FR"}}')
[[ $(status_of "$out") == 201 ]] || fail "create mn-seg: $out"
# B reads both twice: the second read is an L1 hit (the counter shows it).
hits_before=$(metric b marquee_read_cache_l1_hits_total)
for _ in 1 2; do
  [[ $(status_of "$(http b GET /v1/campaigns/mn-visible)") == 200 ]] || fail "B: GET mn-visible"
  [[ $(status_of "$(http b GET /v1/segments/mn-seg)") == 200 ]] || fail "B: GET mn-seg"
done
hits_after=$(metric b marquee_read_cache_l1_hits_total)
((hits_after >= hits_before + 2)) || fail "B's second reads were not L1 hits ($hits_before -> $hits_after)"

for round in 1 2 3 4 5; do
  out=$(http a GET "/v1/campaigns/mn-visible?consistency=strong")
  etag=$(etag_of)
  start=$(now_ms)
  out=$(http a PUT /v1/campaigns/mn-visible \
    "{\"name\":\"round $round\",\"status\":\"draft\",\"variants\":[{\"key\":\"a\",\"weight\":1}]}" \
    "If-Match: $etag")
  [[ $(status_of "$out") == 200 ]] || fail "PUT mn-visible round $round: $out"
  record_latency "campaign round $round" "$(wait_visible b /v1/campaigns/mn-visible "\"round $round\"" "$(now_ms)")"
  # Warm again for the next round.
  http b GET /v1/campaigns/mn-visible >/dev/null
done
for round in 1 2 3; do
  out=$(http a GET "/v1/segments/mn-seg?consistency=strong")
  etag=$(etag_of)
  out=$(http a PUT /v1/segments/mn-seg "{\"name\":\"seg $round\",\"condition\":{\"country\":\"FR\"}}" \
    "If-Match: $etag")
  [[ $(status_of "$out") == 200 ]] || fail "PUT mn-seg round $round: $out"
  record_latency "segment round $round" "$(wait_visible b /v1/segments/mn-seg "\"seg $round\"" "$(now_ms)")"
  http b GET /v1/segments/mn-seg >/dev/null
done

# Features and decisions come from B's delivery view, fed by its own watch
# of PostgreSQL's change feed.
http b GET /v1/features >/dev/null
out=$(http a POST /v1/features '{"id":"mn-flag","defaultValue":"on-a"}')
[[ $(status_of "$out") == 201 ]] || fail "create mn-flag: $out"
record_latency "feature" "$(wait_visible b /v1/features '"mn-flag"' "$(now_ms)")"

out=$(http a POST /v1/campaigns '{"id":"mn-live","name":"live","status":"live","priority":99,"placements":["mn.slot"],"variants":[{"key":"only","weight":1,"content":{"text":"v0"}}]}')
[[ $(status_of "$out") == 201 ]] || fail "create mn-live: $out"
wait_visible b "/v1/decide?user=u1&placement=mn.slot" '"text":"v0"' "$(now_ms)" >/dev/null
for round in 1 2 3; do
  out=$(http a GET "/v1/campaigns/mn-live?consistency=strong")
  etag=$(etag_of)
  out=$(http a PUT /v1/campaigns/mn-live \
    "{\"name\":\"live\",\"status\":\"live\",\"priority\":99,\"placements\":[\"mn.slot\"],\"variants\":[{\"key\":\"only\",\"weight\":1,\"content\":{\"text\":\"v$round\"}}]}" \
    "If-Match: $etag")
  [[ $(status_of "$out") == 200 ]] || fail "PUT mn-live round $round: $out"
  record_latency "decision round $round" \
    "$(wait_visible b "/v1/decide?user=u1&placement=mn.slot" "\"text\":\"v$round\"" "$(now_ms)")"
done
say "A->B visibility: worst $worst ms (limit $limit_ms ms)"

# ---- strong reads ---------------------------------------------------------------
# Right after each write on A, a strong read on B shows it, every time; and
# strong reads do not go through B's L1.
hits_before=$(metric b marquee_read_cache_l1_hits_total)
for round in $(seq 1 20); do
  out=$(http a GET "/v1/campaigns/mn-visible?consistency=strong")
  etag=$(etag_of)
  out=$(http a PUT /v1/campaigns/mn-visible \
    "{\"name\":\"strong $round\",\"status\":\"draft\",\"variants\":[{\"key\":\"a\",\"weight\":1}]}" \
    "If-Match: $etag")
  [[ $(status_of "$out") == 200 ]] || fail "PUT mn-visible strong round $round: $out"
  written=$(etag_of)
  if ((round % 2)); then
    out=$(http b GET "/v1/campaigns/mn-visible?consistency=strong")
  else
    out=$(http b GET /v1/campaigns/mn-visible "" "Cache-Control: no-cache")
  fi
  [[ $(status_of "$out") == 200 && $(body_of "$out") == *"\"strong $round\""* ]] ||
    fail "strong read on B right after write $round on A: $out"
  [[ $(etag_of) == "$written" ]] || fail "strong read ETag $(etag_of), written $written"
done
hits_after=$(metric b marquee_read_cache_l1_hits_total)
[[ $hits_after == "$hits_before" ]] || fail "strong reads went through B's L1 ($hits_before -> $hits_after)"
# A strong decision on B right after a write on A.
out=$(http a GET "/v1/campaigns/mn-live?consistency=strong")
etag=$(etag_of)
out=$(http a PUT /v1/campaigns/mn-live \
  '{"name":"live","status":"live","priority":99,"placements":["mn.slot"],"variants":[{"key":"only","weight":1,"content":{"text":"strong"}}]}' \
  "If-Match: $etag")
[[ $(status_of "$out") == 200 ]] || fail "PUT mn-live strong: $out"
out=$(http b GET "/v1/decide?user=u1&placement=mn.slot&consistency=strong")
[[ $(body_of "$out") == *'"text":"strong"'* ]] || fail "strong decide on B: $out"
out=$(http a POST /v1/features '{"id":"mn-flag-2","defaultValue":1}')
out=$(http b GET "/v1/features" "" "Cache-Control: no-cache")
[[ $(body_of "$out") == *'"mn-flag-2"'* ]] || fail "strong features on B: $out"
out=$(http b GET "/v1/campaigns/mn-visible?consistency=sometimes")
[[ $(status_of "$out") == 400 ]] || fail "a bad consistency must be 400: $out"
say "strong reads on B see the write just made on A (20 of 20), without B's L1"

# ---- 32 clients voting on both nodes at once -------------------------------------
out=$(http a POST /v1/polls '{"id":"mn-poll","question":"Which?","options":[{"key":"x","label":"X"},{"key":"y","label":"Y"},{"key":"z","label":"Z"}]}')
[[ $(status_of "$out") == 201 ]] || fail "create mn-poll: $out"
clients=32
users_per_client=12
options=(x y z)
vote_client() {
  local client=$1 first second i user option code
  if ((client % 2)); then first=a; second=b; else first=b; second=a; fi
  for i in $(seq 1 "$users_per_client"); do
    user="c${client}-u${i}"
    option=${options[$(((client + i) % 3))]}
    for node in "$first" "$second"; do
      code=$(curl -s -m 20 -o /dev/null -w '%{http_code}' -X POST \
        -H "Authorization: Bearer $delivery_key" -H 'Content-Type: application/json' \
        --data-binary "{\"user\":\"$user\",\"option\":\"$option\"}" \
        "http://127.0.0.1:${node_port[$node]}/v1/polls/mn-poll/votes")
      echo "$node $user $option $code"
    done
  done >"$work/votes-$client"
}
start=$(now_ms)
pids=()
for client in $(seq 1 $clients); do
  vote_client "$client" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done
say "  $((clients * users_per_client * 2)) votes from $clients clients in $(($(now_ms) - start)) ms"
bad=$(cat "$work"/votes-* | awk '$4 != 201 && $4 != 200' | head -n 5)
[[ -z $bad ]] || fail "votes not acknowledged: $bad"
declare -A expected=([x]=0 [y]=0 [z]=0)
for client in $(seq 1 $clients); do
  for i in $(seq 1 "$users_per_client"); do
    option=${options[$(((client + i) % 3))]}
    expected[$option]=$((expected[$option] + 1))
  done
done
total=$((clients * users_per_client))
for node in a b; do
  out=$(http "$node" GET /v1/polls/mn-poll/results)
  body=$(body_of "$out")
  [[ $body == *"\"total\":$total"* ]] || fail "node $node tally total: $body (expected $total)"
  for option in x y z; do
    [[ $body == *"\"$option\":${expected[$option]}"* ]] ||
      fail "node $node: option $option: $body (expected ${expected[$option]})"
  done
done
say "exact tally on both nodes: total $total, x ${expected[x]}, y ${expected[y]}, z ${expected[z]}"

say "events through both nodes: one set of counts in PostgreSQL's aggregate tables"
event_time=$(date -u +%Y-%m-%dT%H:%M:%SZ)
event='{"type":"impression","campaign":"mn-events","variant":"control","time":"'$event_time'"}'
for node in a b; do
  batch="[$event"
  for _ in $(seq 2 15); do batch+=",$event"; done
  batch+="]"
  out=$(http "$node" POST /v1/events "$batch")
  [[ $(status_of "$out") == 202 ]] || fail "POST /v1/events on node $node: $out"
done
# The ingestors write every 100 ms; each node reads both nodes' counts.
for node in a b; do
  deadline=$(($(now_ms) + 5000))
  while :; do
    body=$(body_of "$(http "$node" GET /v1/campaigns/mn-events/stats)")
    [[ $body == *'"impression":{"count":30,'* ]] && break
    (($(now_ms) < deadline)) || fail "node $node stats never showed 30 impressions: $body"
    sleep 0.1
  done
done
rows=$(psql -qtA "$pg_url" -c "SELECT sum(count) FROM $schema.event_aggregates WHERE campaign = 'mn-events' AND bucket = 'day'")
[[ $rows == 30 ]] || fail "event_aggregates day rows sum to '$rows', not 30"
say "  30 impressions through two nodes: 30 in both nodes' stats and in $schema.event_aggregates"

echo "multi-node test passed (A->B visibility worst $worst ms, limit $limit_ms ms)"
