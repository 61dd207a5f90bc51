#!/usr/bin/env bash
# The ctest of examples/client: starts marquee-server --demo (memory only) on
# 127.0.0.1 and a free port, with keys of its own, runs the client example
# against it twice (a second visitor's vote is counted, the first visitor's
# repeated vote is unchanged) and checks what it printed; then stops the
# server with SIGTERM.
#
#   smoke_test.sh path/to/marquee-server path/to/client WORK_DIR
set -euo pipefail

server=$1
client=$2
work=$3
rm -rf "$work"
mkdir -p "$work"

admin=mq_example_admin_key_for_tests_only
delivery=mq_example_delivery_key_for_tests_only
pid=""
fail() {
  echo "FAIL: $*" >&2
  for f in client.out client.err server.err; do
    [[ -f $work/$f ]] && { echo "--- $f" >&2; cat "$work/$f" >&2; }
  done
  exit 1
}
cleanup() { [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null || true; }
trap cleanup EXIT

"$server" --demo --listen 127.0.0.1:0 --port-file "$work/port" --threads 2 \
  --admin-key "$admin" --delivery-key "$delivery" --access-log off \
  >"$work/server.out" 2>"$work/server.err" &
pid=$!
for _ in $(seq 600); do
  [[ -s $work/port ]] && break
  kill -0 "$pid" 2>/dev/null || fail "marquee-server exited at start"
  sleep 0.1
done
[[ -s $work/port ]] || fail "no port file after 60 s"
base="http://127.0.0.1:$(cat "$work/port")"

# expect TEXT: the client's last output holds TEXT.
expect() { grep -qF -- "$1" "$work/client.out" || fail "the client did not print '$1'"; }

"$client" "$base" "$admin" "$delivery" u42 >"$work/client.out" 2>"$work/client.err" ||
  fail "the client exited $?"
expect "live campaigns: "
expect "spring-sale"
expect "read again: HTTP 200 from the client's cache after a 304"
expect "decide: u42 sees spring-sale/"
expect "events: 2 accepted (impression, click)"
expect "vote: u42 -> "
expect "(counted)"
expect "(total 4)"   # the demo's 3 votes and this one
expect "client: done"

"$client" "$base" "$admin" "$delivery" u42 >"$work/client.out" 2>"$work/client.err" ||
  fail "the second run exited $?"
expect "(unchanged)"
expect "(total 4)"

# A wrong key is refused, and the client says so and exits 1.
if "$client" "$base" wrong-key-wrong-key "$delivery" >"$work/client.out" 2>"$work/client.err"; then
  fail "the client succeeded with a wrong admin key"
fi
grep -q "campaigns: " "$work/client.err" || fail "no message for a wrong key"

kill -TERM "$pid"
if wait "$pid"; then rc=0; else rc=$?; fi
pid=""
[[ $rc -eq 0 ]] || fail "marquee-server exited $rc after SIGTERM"
echo "client smoke test passed"
