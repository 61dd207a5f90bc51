#!/usr/bin/env bash
# kill -9 of one marquee-server node under load (issue 8, item 3): two nodes
# on one PostgreSQL and one Redis; 8 writer clients create segments and cast
# votes through node A (falling over to node B when A stops answering, as a
# load balancer would), and a reader polls node B, while A is killed with
# SIGKILL. It shows that
#   - node B keeps serving: every read of the poller succeeds, before,
#     during and after the kill;
#   - no acknowledged write is lost: every segment whose create was answered
#     201 (by either node) is readable through B with a strong read, and
#     every acknowledged vote is in the tally (which holds no more votes than
#     were sent);
#   - the clients carry on through B after the kill.
# Acknowledgements are recorded on the client side. Needs
# MARQUEE_TEST_POSTGRES_URL (else it FAILS), redis-server and curl.
#
#   multi_node_kill_test.sh path/to/marquee-server WORK_DIR
set -euo pipefail

server=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
# shellcheck source=tests/integration/multi_node_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/multi_node_lib.sh"

mn_init kill
mn_start_redis
mn_start_node a
mn_start_node b
mn_wait_node a
mn_wait_node b

out=$(http a POST /v1/polls '{"id":"kill-poll","question":"Which?","options":[{"key":"x","label":"X"},{"key":"y","label":"Y"}]}')
[[ $(status_of "$out") == 201 ]] || fail "create kill-poll: $out"
out=$(http a POST /v1/campaigns '{"id":"kill-read","name":"read me","status":"draft","variants":[{"key":"a","weight":1}]}')
[[ $(status_of "$out") == 201 ]] || fail "create kill-read: $out"

stop_file="$work/stop"
port_a=${node_port[a]}
port_b=${node_port[b]}

# writer CLIENT: alternately creates a segment and casts a vote, through A
# until A stops answering, then through B. One line per request:
# "<kind> <id> <port> <status>"; status 000 means no answer.
writer() {
  local client=$1 n=0 port=$port_a code kind id body path
  while [[ ! -e $stop_file ]]; do
    n=$((n + 1))
    if ((n % 2)); then
      kind=segment id="k${client}-s${n}" path=/v1/segments
      body="{\"id\":\"$id\",\"name\":\"$id\",\"condition\":{\"n\":$n}}"
    else
      kind=vote id="k${client}-u${n}" path=/v1/polls/kill-poll/votes
      body="{\"user\":\"$id\",\"option\":\"x\"}"
    fi
    code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST \
      -H "Authorization: Bearer $admin_key" -H 'Content-Type: application/json' \
      --data-binary "$body" "http://127.0.0.1:$port$path" || true)
    echo "$kind $id $port $code"
    # No answer from A: fail over to B for good (and send this one again
    # there; a create that did commit on A then answers 409).
    if [[ $code == 000 && $port == "$port_a" ]]; then
      port=$port_b
      code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST \
        -H "Authorization: Bearer $admin_key" -H 'Content-Type: application/json' \
        --data-binary "$body" "http://127.0.0.1:$port$path" || true)
      echo "$kind $id $port $code"
    fi
  done >"$work/writer-$client"
}

# reader: eventual reads of one campaign through B, one status per line.
reader() {
  while [[ ! -e $stop_file ]]; do
    curl -s -m 5 -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $admin_key" \
      "http://127.0.0.1:$port_b/v1/campaigns/kill-read" || echo 000
  done >"$work/reader"
}

pids=()
for client in $(seq 1 8); do
  writer "$client" &
  pids+=($!)
done
reader &
pids+=($!)
sleep 3
acked_before=$(cat "$work"/writer-* | awk '$4 == 201 || $4 == 200' | wc -l)
((acked_before > 0)) || fail "no write was acknowledged before the kill"
say "killing node A (pid ${node_pid[a]}) with SIGKILL after $acked_before acknowledged writes"
mn_kill9_node a
sleep 3
touch "$stop_file"
for pid in "${pids[@]}"; do wait "$pid"; done

# B served every read, before, during and after the kill.
reads=$(wc -l <"$work/reader")
bad_reads=$(grep -vc '^200$' "$work/reader" || true)
((reads > 0)) || fail "the reader made no request"
((bad_reads == 0)) || fail "node B failed $bad_reads of $reads reads: $(sort "$work/reader" | uniq -c)"
say "node B answered all $reads reads"

# The clients went on through B after the kill.
after_kill=$(cat "$work"/writer-* | awk -v b="$port_b" '$3 == b && ($4 == 201 || $4 == 200)' | wc -l)
((after_kill > 0)) || fail "no write was acknowledged by B after the kill"
unexpected=$(cat "$work"/writer-* | awk -v b="$port_b" '$3 == b && $4 != 201 && $4 != 200 && $4 != 409' | head -n 5)
[[ -z $unexpected ]] || fail "B refused writes: $unexpected"

# Every acknowledged segment is readable through B (strong: from the store).
acked_segments=$(cat "$work"/writer-* | awk '$1 == "segment" && $4 == 201 {print $2}' | sort -u)
lost=0
checked=0
for id in $acked_segments; do
  checked=$((checked + 1))
  code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin_key" \
    "http://127.0.0.1:$port_b/v1/segments/$id?consistency=strong")
  if [[ $code != 200 ]]; then
    lost=$((lost + 1))
    echo "lost: segment $id ($code)" >&2
  fi
done
((lost == 0)) || fail "$lost of $checked acknowledged segments are not readable through B"

# Every acknowledged vote is counted; nothing beyond what was sent.
acked_votes=$(cat "$work"/writer-* | awk '$1 == "vote" && ($4 == 201 || $4 == 200) {print $2}' | sort -u | wc -l)
sent_votes=$(cat "$work"/writer-* | awk '$1 == "vote" {print $2}' | sort -u | wc -l)
out=$(http b GET /v1/polls/kill-poll/results)
total=$(body_of "$out" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
[[ -n $total ]] || fail "tally: $out"
((total >= acked_votes && total <= sent_votes)) ||
  fail "tally total $total, expected between $acked_votes acknowledged and $sent_votes sent"
say "no acknowledged write lost: $checked segments readable through B, tally $total" \
    "($acked_votes votes acknowledged, $sent_votes sent); $after_kill writes acknowledged by B after the kill"

echo "multi-node kill test passed"
