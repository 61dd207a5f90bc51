#!/usr/bin/env bash
# The ctest of marquee-server itself: bad options exit 2; started with --demo
# on a fresh data dir and a free port it answers /healthz and a seeded
# campaign, logs one JSON line per request, and exits 0 on SIGTERM; a restart
# on the same data dir finds the demo instead of failing or duplicating it,
# and a webhook subscribed over the API records its (failing) deliveries;
# with --tls-cert/--tls-key it serves HTTPS. HTTP goes through bash's
# /dev/tcp (no curl needed), HTTPS through `openssl s_client`.
#
#   smoke_test.sh path/to/marquee-server WORK_DIR
set -euo pipefail

server=$1
work=$2
rm -rf "$work"
mkdir -p "$work"

fail() { echo "FAIL: $*" >&2; [[ -f $work/err ]] && cat "$work/err" >&2; exit 1; }

for bad in "--bogus" "--fsync sometimes" "--threads 0" "--listen nope" "--data-dir" \
           "--admin-key short" "--tls-cert only-a-cert.pem" "--access-log maybe" "--webhooks maybe" \
           "--tls-cert $work/missing.pem --tls-key $work/missing.pem"; do
  # shellcheck disable=SC2086
  if "$server" $bad >/dev/null 2>"$work/bad.err"; then rc=0; else rc=$?; fi
  [[ $rc -eq 2 ]] || fail "'$bad' exited $rc, expected 2"
  grep -q "marquee-server: " "$work/bad.err" || fail "'$bad' printed no message"
done

# GET PORT PATH [KEY]: prints the whole response (status line, headers,
# body); with KEY, sent as a Bearer API key.
get() {
  local port=$1 path=$2 key=${3:-} auth=""
  [[ -n $key ]] && auth="Authorization: Bearer $key"$'\r\n'
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n' "$path" "$auth" >&3
  timeout 20 cat <&3
  exec 3<&-
}

# POST PORT PATH KEY BODY: a JSON POST with a Bearer API key.
post() {
  local port=$1 path=$2 key=$3 body=$4
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$path" "$key" "${#body}" "$body" >&3
  timeout 20 cat <&3
  exec 3<&-
}

# start [FLAGS...]: runs the server in the background; sets pid and port.
start() {
  rm -f "$work/port"
  "$server" --demo --data-dir "$work/data" --listen 127.0.0.1:0 --port-file "$work/port" \
    --threads 2 "$@" >"$work/out" 2>"$work/err" &
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
# --demo without keys generates them and prints them in the banner.
admin=$(sed -n 's/^ *admin: *//p' "$work/err")
delivery=$(sed -n 's/^ *delivery: *//p' "$work/err")
[[ $admin == mq_* && $delivery == mq_* ]] || fail "banner without generated keys: $(cat "$work/err")"
denied=$(get "$port" /v1/campaigns/spring-sale)
[[ $denied == "HTTP/1.1 401"* ]] || fail "spring-sale without a key: $denied"
campaign=$(get "$port" /v1/campaigns/spring-sale "$admin")
[[ $campaign == "HTTP/1.1 200 OK"* && $campaign == *'"name":"Spring sale"'* ]] ||
  fail "spring-sale: $campaign"
decide=$(get "$port" "/v1/decide?user=u42&attr.country=DE" "$delivery")
[[ $decide == "HTTP/1.1 200 OK"* && $decide == *'"flags":'* ]] || fail "decide: $decide"
forbidden=$(get "$port" /v1/campaigns/spring-sale "$delivery")
[[ $forbidden == "HTTP/1.1 403"* ]] || fail "spring-sale with the delivery key: $forbidden"
metrics=$(get "$port" /metrics "$admin")
[[ $metrics == *'marquee_store_records '* && $metrics == *'route="/v1/decide"'* ]] ||
  fail "metrics: $metrics"
grep -q "listening on http://127.0.0.1:$port" "$work/err" || fail "banner without the address"
grep -q "campaign spring-sale (live, 2 variants): created" "$work/err" || fail "banner without the demo"
stop
[[ $(grep -c '"latency_us":' "$work/out") -eq 6 ]] || fail "expected 6 access log lines: $(cat "$work/out")"
grep -q '"target":"/healthz","status":200' "$work/out" || fail "access log: $(cat "$work/out")"

# A restart on the same data dir finds the demo and serves it, with the
# key given on the command line; --access-log off logs no request.
key=chosen-admin-key-0123456789
start --admin-key "$key" --access-log off
grep -q "campaign spring-sale (live, 2 variants): already there" "$work/err" ||
  fail "restart did not find the demo"
! grep -q "$key" "$work/err" || fail "the banner echoed the operator's key"
campaign=$(get "$port" /v1/campaigns/spring-sale "$key")
[[ $campaign == "HTTP/1.1 200 OK"* ]] || fail "spring-sale after restart: $campaign"
# A webhook to a port nobody listens on: each change becomes a delivery
# whose attempts fail with the reason, in the log.
grep -q "webhooks: sending" "$work/err" || fail "banner without webhooks"
hook=$(post "$port" /v1/webhooks "$key" '{"id":"smoke","url":"http://127.0.0.1:1/hook","events":["campaign.changed"]}')
[[ $hook == "HTTP/1.1 201"* && $hook == *'"secret":"whsec_'* ]] || fail "webhook create: $hook"
created=$(post "$port" /v1/campaigns "$key" '{"id":"smoke-hook","name":"Smoke","status":"draft","variants":[{"key":"a","weight":1}]}')
[[ $created == "HTTP/1.1 201"* ]] || fail "campaign create: $created"
for _ in $(seq 100); do
  log=$(get "$port" /v1/webhooks/smoke/deliveries "$key")
  [[ $log == *'"lastError":"could not connect'* ]] && break
  sleep 0.1
done
[[ $log == *'"type":"campaign.changed"'* && $log == *'"lastError":"could not connect'* ]] ||
  fail "webhook delivery log: $log"
stop
! grep -q '"latency_us":' "$work/out" || fail "--access-log off logged: $(cat "$work/out")"

# HTTPS with a self-signed certificate made here.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null || fail "openssl req"
start --admin-key "$key" --tls-cert "$work/cert.pem" --tls-key "$work/key.pem"
grep -q "listening on https://127.0.0.1:$port" "$work/err" || fail "banner without https"
secure=$(printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' |
  timeout 20 openssl s_client -connect "127.0.0.1:$port" -CAfile "$work/cert.pem" \
    -verify_return_error -quiet 2>/dev/null) || fail "TLS request failed: $secure"
[[ $secure == "HTTP/1.1 200 OK"* && $secure == *'{"status":"ok"}' ]] || fail "https healthz: $secure"
stop
echo "marquee-server smoke test passed"
