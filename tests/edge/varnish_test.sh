#!/usr/bin/env bash
# The edge tier against a real Varnish: varnishd on 127.0.0.1 with
# examples/varnish/marquee.vcl (its backend port replaced, nothing else),
# in front of marquee-server --demo on a data dir, driven with curl.
#
#  1. Without a purger: GET /api/features/{client_key} through Varnish
#     twice, more than a second apart: the second is a hit (Age > 0, two
#     ids in X-Varnish). A feature is updated through the node; Varnish
#     keeps serving the old payload (what the purger is for). A campaign
#     GET (private) is never a hit. A PURGE from an address outside the
#     VCL's ACL is refused.
#  2. The node restarted on the same data and port with --edge-varnish:
#     another update, and the next GETs through Varnish get the new payload
#     (new ETag and body, a miss with Age 0) within LIMIT_MS, measured from
#     the update's answer; the one after is a hit again. /metrics counts
#     the purges and no failure.
#
#   varnish_test.sh MARQUEE_SERVER WORK_DIR VCL_FILE [LIMIT_MS [VARNISHD]]
set -euo pipefail

server=$1
work=$2
vcl=$3
limit_ms=${4:-1000}
varnishd=${5:-}

admin_key=edge-test-admin-key-0123456789
delivery_key=edge-test-delivery-key-0123456789

node_pid=""
varnish_pid=""

say() { echo "edge: $*"; }
fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$work"/node-*.err "$work/varnish.log"; do
    [[ -f $f ]] || continue
    echo "---- $f (last lines)" >&2
    tail -n 15 "$f" >&2
  done
  exit 1
}
cleanup() {
  [[ -n $node_pid ]] && kill -TERM "$node_pid" 2>/dev/null || true
  [[ -n $varnish_pid ]] && kill -TERM "$varnish_pid" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# ---- tools ------------------------------------------------------------------
if [[ -z $varnishd || ! -x $varnishd ]]; then
  varnishd=$(command -v varnishd || true)
  [[ -z $varnishd && -x /usr/sbin/varnishd ]] && varnishd=/usr/sbin/varnishd
fi
[[ -n $varnishd && -x $varnishd ]] ||
  fail "varnishd is not installed: apt-get install varnish varnish-modules (scripts/install-deps installs them)"
command -v curl >/dev/null || fail "curl is not installed"
command -v python3 >/dev/null || fail "python3 is not installed (it picks free ports)"
[[ -f $vcl ]] || fail "no VCL at $vcl"

rm -rf "$work"
mkdir -p "$work"
node_port=$(free_port)
varnish_port=$(free_port)

# ---- Varnish ----------------------------------------------------------------
# The documented VCL with the backend port of this test's node.
sed "s/^\(    \.port = \)\"8080\";/\1\"$node_port\";/" "$vcl" >"$work/marquee.vcl"
[[ $(grep -c "\.port = \"$node_port\";" "$work/marquee.vcl") == 1 ]] ||
  fail "could not set the backend port in a copy of $vcl (its backend must say .port = \"8080\";)"
# -j none: no privilege separation, so a run as root needs no varnish/vcache
# access to the work dir; -T none: no management port.
"$varnishd" -F -j none -a "127.0.0.1:$varnish_port" -T none -n "$work/varnish-work" \
  -f "$work/marquee.vcl" -s malloc,32m >"$work/varnish.log" 2>&1 &
varnish_pid=$!
for _ in $(seq 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PURGE "http://127.0.0.1:$varnish_port/" || true)
  [[ $code == 400 ]] && break
  if ! kill -0 "$varnish_pid" 2>/dev/null; then
    grep -q "xkey" "$work/varnish.log" &&
      fail "varnishd refused the VCL: is the xkey vmod installed? (apt-get install varnish-modules)"
    fail "varnishd exited at start"
  fi
  sleep 0.1
done
[[ ${code:-} == 400 ]] || fail "varnishd did not answer on port $varnish_port"
say "varnishd on 127.0.0.1:$varnish_port in front of 127.0.0.1:$node_port"

# ---- the node ---------------------------------------------------------------
# start_node NAME [FLAGS...]: marquee-server on the node port and the test's
# data dir; waits until it listens.
start_node() {
  local name=$1 i
  shift
  rm -f "$work/node.port"
  "$server" --demo --data-dir "$work/data" --listen "127.0.0.1:$node_port" \
    --port-file "$work/node.port" --threads 2 --admin-key "$admin_key" \
    --delivery-key "$delivery_key" --access-log off --webhooks off "$@" \
    >"$work/node-$name.out" 2>"$work/node-$name.err" &
  node_pid=$!
  for i in $(seq 300); do
    [[ -s $work/node.port ]] && return 0
    kill -0 "$node_pid" 2>/dev/null || fail "node $name exited at start"
    sleep 0.1
  done
  fail "node $name: no port file after 30 s"
}
stop_node() {
  kill -TERM "$node_pid"
  wait "$node_pid" || fail "the node exited $? after SIGTERM"
  node_pid=""
}

# get PORT PATH KEY: GET with a Bearer key; the headers go to
# $work/h (CR removed), the body to $work/b; prints the status.
get() {
  curl -s -m 10 -H "Authorization: Bearer $3" -D "$work/h.raw" -o "$work/b" \
    -w '%{http_code}' "http://127.0.0.1:$1$2" || true
  tr -d '\r' <"$work/h.raw" >"$work/h"
}
header() { sed -n "s/^$1: //Ip" "$work/h" | head -n 1; }
# A hit: X-Varnish holds this request's id and the cached object's.
is_hit() { [[ $(header X-Varnish | wc -w) == 2 ]]; }

features=/api/features/sdk-edge-test
# feature_through_varnish: GET of the features payload through Varnish
# with the delivery key; sets etag, age, hit, body.
feature_through_varnish() {
  local code
  code=$(get "$varnish_port" "$features" "$delivery_key")
  [[ $code == 200 ]] || fail "GET $features through Varnish: $code $(cat "$work/b")"
  etag=$(header ETag)
  age=$(header Age)
  body=$(cat "$work/b")
  if is_hit; then hit=yes; else hit=no; fi
}

# update_feature KEY VALUE: PATCH the feature's defaultValue through the
# node (If-Match of its current version).
update_feature() {
  local code version
  code=$(get "$node_port" "/v1/features/$1" "$admin_key")
  [[ $code == 200 ]] || fail "GET /v1/features/$1: $code"
  version=$(header ETag)
  code=$(curl -s -m 10 -o "$work/patch" -w '%{http_code}' -X PATCH \
    -H "Authorization: Bearer $admin_key" -H "If-Match: $version" \
    -H 'Content-Type: application/merge-patch+json' \
    --data-binary "{\"defaultValue\": $2}" "http://127.0.0.1:$node_port/v1/features/$1")
  [[ $code == 200 ]] || fail "PATCH /v1/features/$1: $code $(cat "$work/patch")"
}

# ---- 1. without a purger ----------------------------------------------------
start_node plain
feature_through_varnish
[[ $hit == no ]] || fail "the first GET through Varnish was a hit"
first_etag=$etag
first_body=$body
[[ $(header Surrogate-Key) == features ]] || fail "Surrogate-Key '$(header Surrogate-Key)', expected features"
[[ -z $(header xkey) ]] || fail "the VCL leaks its xkey header to clients"
sleep 1.2
feature_through_varnish
[[ $hit == yes && $etag == "$first_etag" ]] || fail "the second GET was not a hit of the first (hit=$hit)"
((age > 0)) || fail "a cached answer 1.2 s old has Age '$age'"
say "cached: second GET a hit, Age $age"

# Another credential is not served the cached answer: the node checks it.
code=$(get "$varnish_port" "$features" not-a-key-of-this-node-000)
[[ $code == 401 ]] || fail "a wrong key got $code through Varnish, expected the node's 401"

# Campaign reads are private: always the node's.
for _ in 1 2; do
  code=$(get "$varnish_port" /v1/campaigns/spring-sale "$admin_key")
  [[ $code == 200 ]] || fail "GET /v1/campaigns/spring-sale through Varnish: $code"
  ! is_hit || fail "a private campaign GET was served from Varnish's cache"
done

# Only the ACL's addresses may purge.
code=$(curl -s -o /dev/null -w '%{http_code}' --interface 127.0.0.2 -X PURGE -H 'xkey: features' \
  "http://127.0.0.1:$varnish_port/" || true)
[[ $code == 403 ]] || fail "a PURGE from 127.0.0.2 (outside the ACL) got $code, expected 403"

update_feature dark-mode true
# A strong read: the node's delivery view applies the change asynchronously.
code=$(get "$node_port" "$features?consistency=strong" "$delivery_key")
new_etag=$(header ETag)
[[ $code == 200 && $new_etag != "$first_etag" ]] || fail "the node did not serve the update ($code)"
sleep 0.5
feature_through_varnish
[[ $etag == "$first_etag" && $hit == yes ]] ||
  fail "without a purger Varnish should still serve the old payload (etag $etag, hit $hit)"
say "without a purger: Varnish serves the old payload after the update (Age $age)"
stop_node

# ---- 2. with --edge-varnish -------------------------------------------------
start_node purging --edge-varnish "127.0.0.1:$varnish_port"
# The banner follows the port file: give it a moment.
for _ in $(seq 50); do
  grep -q "edge purge: varnish 127.0.0.1:$varnish_port" "$work/node-purging.err" && break
  sleep 0.1
done
grep -q "edge purge: varnish 127.0.0.1:$varnish_port" "$work/node-purging.err" ||
  fail "the banner does not show the edge purger"
feature_through_varnish
[[ $etag == "$first_etag" ]] || fail "Varnish lost its object across the node's restart"
stale_etag=$etag

update_feature checkout-button '"green"'
updated_ms=$(now_ms)
code=$(get "$node_port" "$features?consistency=strong" "$delivery_key")
expected_etag=$(header ETag)
expected_body=$(cat "$work/b")
[[ $expected_etag != "$stale_etag" ]] || fail "the node's payload did not change"
while true; do
  feature_through_varnish
  [[ $etag != "$stale_etag" ]] && break
  (($(now_ms) - updated_ms <= limit_ms)) ||
    fail "Varnish still served the old payload ${limit_ms} ms after the update"
  sleep 0.02
done
elapsed=$(($(now_ms) - updated_ms))
[[ $etag == "$expected_etag" && $body == "$expected_body" ]] ||
  fail "Varnish served '$etag', not the node's new payload '$expected_etag'"
[[ $body != "$first_body" ]] || fail "the body did not change"
[[ $hit == no && $age == 0 ]] || fail "the first new answer was not a fresh miss (hit $hit, Age $age)"
sleep 1.1
feature_through_varnish
[[ $hit == yes && $etag == "$expected_etag" ]] || fail "the new payload is not cached again (hit $hit)"

metrics=$(curl -s -m 10 -H "Authorization: Bearer $admin_key" "http://127.0.0.1:$node_port/metrics")
requests=$(sed -n 's/^marquee_edge_purge_requests_total //p' <<<"$metrics")
failures=$(sed -n 's/^marquee_edge_purge_failures_total //p' <<<"$metrics")
lag=$(sed -n 's/^marquee_edge_purge_lag_seconds //p' <<<"$metrics")
awk -v n="${requests:-0}" 'BEGIN { exit !(n >= 1) }' ||
  fail "marquee_edge_purge_requests_total is '$requests', expected at least 1"
awk -v n="${failures:-x}" 'BEGIN { exit !(n == "0" || n == "0.0") }' ||
  fail "marquee_edge_purge_failures_total is '$failures', expected 0"
stop_node

say "update to new version through Varnish: ${elapsed} ms (limit ${limit_ms} ms; purge lag ${lag} s)"
echo "edge varnish test passed"
