#!/usr/bin/env bash
# The ctest of marquee-server itself: bad options exit 2; started with --demo
# on a fresh data dir and a free port it answers /healthz and a seeded
# campaign, logs one JSON line per request, and exits 0 on SIGTERM; a restart
# on the same data dir finds the demo instead of failing or duplicating it.
# HTTP goes through bash's /dev/tcp: no curl needed.
#
#   smoke_test.sh path/to/marquee-server WORK_DIR
set -euo pipefail

server=$1
work=$2
rm -rf "$work"
mkdir -p "$work"

fail() { echo "FAIL: $*" >&2; [[ -f $work/err ]] && cat "$work/err" >&2; exit 1; }

for bad in "--bogus" "--fsync sometimes" "--threads 0" "--listen nope" "--data-dir"; do
  # shellcheck disable=SC2086
  if "$server" $bad >/dev/null 2>"$work/bad.err"; then rc=0; else rc=$?; fi
  [[ $rc -eq 2 ]] || fail "'$bad' exited $rc, expected 2"
  grep -q "marquee-server: " "$work/bad.err" || fail "'$bad' printed no message"
done

# GET PATH: prints the whole response (status line, headers, body).
get() {
  local port=$1 path=$2
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$path" >&3
  timeout 20 cat <&3
  exec 3<&-
}

# start: runs the server in the background; sets pid and port.
start() {
  rm -f "$work/port"
  "$server" --demo --data-dir "$work/data" --listen 127.0.0.1:0 --port-file "$work/port" \
    --threads 2 >"$work/out" 2>"$work/err" &
  pid=$!
  for _ in $(seq 600); do
    [[ -s $work/port ]] && break
    kill -0 "$pid" 2>/dev/null || fail "the server exited at start"
    sleep 0.1
  done
  [[ -s $work/port ]] || fail "no port file after 60 s"
  port=$(cat "$work/port")
}

stop() {
  kill -TERM "$pid"
  if wait "$pid"; then rc=0; else rc=$?; fi
  [[ $rc -eq 0 ]] || fail "exit code $rc after SIGTERM, expected 0"
}

start
health=$(get "$port" /healthz)
[[ $health == "HTTP/1.1 200 OK"* && $health == *'{"status":"ok"}' ]] || fail "healthz: $health"
campaign=$(get "$port" /v1/campaigns/spring-sale)
[[ $campaign == "HTTP/1.1 200 OK"* && $campaign == *'"name":"Spring sale"'* ]] ||
  fail "spring-sale: $campaign"
grep -q "listening on http://127.0.0.1:$port" "$work/err" || fail "banner without the address"
grep -q "campaign spring-sale (live, 2 variants): created" "$work/err" || fail "banner without the demo"
stop
[[ $(grep -c '"latency_us":' "$work/out") -eq 2 ]] || fail "expected 2 access log lines: $(cat "$work/out")"
grep -q '"target":"/healthz","status":200' "$work/out" || fail "access log: $(cat "$work/out")"

# A restart on the same data dir finds the demo and serves it.
start
grep -q "campaign spring-sale (live, 2 variants): already there" "$work/err" ||
  fail "restart did not find the demo"
campaign=$(get "$port" /v1/campaigns/spring-sale)
[[ $campaign == "HTTP/1.1 200 OK"* ]] || fail "spring-sale after restart: $campaign"
stop
echo "marquee-server smoke test passed"
