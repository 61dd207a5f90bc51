#!/usr/bin/env bash
# The ctest of `marquee-server --config FILE`: bad files (unknown key, not
# JSON, not an object, wrong type, out of range, a bad duration, missing,
# endless) exit 2 with a message naming the problem and never echo a key;
# a good file's settings take effect over the socket: its listen address and
# port file, its admin key (401 without, 201 with), its body limit (413), its
# header count limit (431), its CORS origin; a flag wins over the file
# (--access-log on against "accessLog": false); a file holding a key that
# others may read draws a warning; SIGTERM exits 0. HTTP goes through bash's
# /dev/tcp, as in smoke_test.sh (no curl needed).
#
#   config_test.sh path/to/marquee-server WORK_DIR
set -euo pipefail

server=$1
work=$2
rm -rf "$work"
mkdir -p "$work"

pid=""
fail() {
  echo "FAIL: $*" >&2
  [[ -f $work/err ]] && cat "$work/err" >&2
  [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null
  exit 1
}

# bad TEXT MESSAGE: a config file holding TEXT makes the server exit 2 and
# print MESSAGE.
bad() {
  local text=$1 message=$2
  printf '%s' "$text" >"$work/bad.json"
  chmod 600 "$work/bad.json"
  if "$server" --config "$work/bad.json" >/dev/null 2>"$work/bad.err"; then rc=0; else rc=$?; fi
  [[ $rc -eq 2 ]] || fail "config '$text' exited $rc, expected 2"
  grep -qF "marquee-server: $message" "$work/bad.err" ||
    fail "config '$text' printed '$(cat "$work/bad.err")', expected '$message'"
}

bad '{"limits": {"maxHedaerBytes": 1}}' 'config: unknown key "limits.maxHedaerBytes"'
bad 'listen = "127.0.0.1:0"' 'config: not valid JSON: invalid JSON at byte 0'
bad '["127.0.0.1:0"]' 'config: the file must hold a JSON object, not array'
bad '{"threads": "2"}' 'config: "threads" must be an integer within 1..1024'
bad '{"threads": 2000}' 'config: "threads" must be an integer within 1..1024'
bad '{"limits": {"maxBodyBytes": 0}}' \
  'config: "limits.maxBodyBytes" must be an integer within 1..1073741824'
bad '{"timeouts": {"idle": "soon"}}' \
  'config: "timeouts.idle" must be a duration such as "500ms", "10s" or "2m" within 1ms..24h, not "soon"'
bad '{"fsync": "sometimes"}' \
  'config: "fsync" must be "always", "every_second" or "never", not "sometimes"'
bad '{"threads": 2, "threads": 4}' 'config: key "threads" is given more than once'
bad '{"edgeVarnish": ["varnish.internal"]}' \
  "--edge-varnish (config: \"edgeVarnish\"): 'varnish.internal' is not host:port"
bad '{"edgePurgeUrl": "https://cdn.example/purge/{key}", "edgePurge": {"headers": {"Fastly-Key": 7}}}' \
  'config: "edgePurge.headers" must be an object of at most 32 headers'
bad '{"adminKey": "SECRET-SHORT"}' 'config: "adminKey" must be a string of 16..256 bytes'
! grep -q "SECRET-SHORT" "$work/bad.err" || fail "an error echoed the key"

if "$server" --config "$work/missing.json" 2>"$work/bad.err"; then rc=0; else rc=$?; fi
[[ $rc -eq 2 ]] || fail "a missing config exited $rc, expected 2"
grep -qF "marquee-server: config: cannot read $work/missing.json: No such file or directory" \
  "$work/bad.err" || fail "missing config: $(cat "$work/bad.err")"
if timeout 20 "$server" --config /dev/zero 2>"$work/bad.err"; then rc=0; else rc=$?; fi
[[ $rc -eq 2 ]] || fail "--config /dev/zero exited $rc, expected 2"
grep -qF "marquee-server: config: /dev/zero is larger than 1 MiB" "$work/bad.err" ||
  fail "/dev/zero: $(cat "$work/bad.err")"

# send PORT REQUEST: writes REQUEST (a whole HTTP/1.1 request) and prints
# the answer.
send() {
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf '%s' "$2" >&3
  timeout 20 cat <&3
  exec 3<&-
}

# post PORT PATH KEY BODY: a JSON POST with a Bearer API key. (printf -v,
# not $(...), which would strip the final newlines of a request.)
post() {
  local request
  printf -v request 'POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$2" "$3" "${#4}" "$4"
  send "$1" "$request"
}

key=config-admin-key-0123456789
cat >"$work/server.json" <<EOF
{
  "listen": "127.0.0.1:0",
  "portFile": "$work/port",
  "dataDir": "$work/data",
  "threads": 2,
  "adminKey": "$key",
  "accessLog": false,
  "limits": {"maxBodyBytes": 256, "maxHeaderCount": 20},
  "timeouts": {"idle": "30s", "shutdownDrain": "2s"},
  "cors": {"allowedOrigins": ["https://shop.example"], "maxAge": "5m"}
}
EOF
chmod 644 "$work/server.json"

"$server" --config "$work/server.json" --access-log on >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 600); do
  [[ -s $work/port ]] && break
  kill -0 "$pid" 2>/dev/null || fail "the server exited at start"
  sleep 0.1
done
[[ -s $work/port ]] || fail "no port file (from the config's portFile) after 60 s"
port=$(cat "$work/port")

grep -q "listening on http://127.0.0.1:$port" "$work/err" || fail "banner without the address"
grep -qF "config: $work/server.json" "$work/err" || fail "banner without the config file"
grep -qF "warning: config file $work/server.json holds API keys or secrets" "$work/err" ||
  fail "no warning for a config file with a key that others may read"
! grep -q "$key" "$work/err" || fail "the banner echoed the config's key"

# The admin key of the file is required, and accepted.
denied=$(send "$port" $'GET /v1/campaigns HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
[[ $denied == "HTTP/1.1 401"* ]] || fail "a list without a key: $denied"
small='{"id":"from-config","name":"Config","status":"draft","variants":[{"key":"a","weight":1}]}'
created=$(post "$port" /v1/campaigns "$key" "$small")
[[ $created == "HTTP/1.1 201"* ]] || fail "a small body with the file's key: $created"

# limits.maxBodyBytes: 256, so 300 bytes are too many.
large=$(printf '{"id":"too-large","name":"%0280d"}' 0)
too_large=$(post "$port" /v1/campaigns "$key" "$large")
[[ $too_large == "HTTP/1.1 413"* ]] || fail "a ${#large}-byte body over maxBodyBytes 256: $too_large"

# limits.maxHeaderCount: 20.
many=$'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n'
for i in $(seq 25); do many+="X-Header-$i: v"$'\r\n'; done
many+=$'Connection: close\r\n\r\n'
headers=$(send "$port" "$many")
[[ $headers == "HTTP/1.1 431"* ]] || fail "25 headers over maxHeaderCount 20: $headers"

# cors.allowedOrigins on a delivery route (the admin key covers it).
printf -v request 'GET /v1/decide?user=u1 HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://shop.example\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' "$key"
cors=$(send "$port" "$request")
[[ $cors == "HTTP/1.1 200"* ]] || fail "decide from an allowed origin: $cors"
grep -qi '^Access-Control-Allow-Origin: https://shop.example' <<<"${cors//$'\r'/}" ||
  fail "no CORS header for the configured origin: $cors"

kill -TERM "$pid"
if wait "$pid"; then rc=0; else rc=$?; fi
[[ $rc -eq 0 ]] || fail "exit code $rc after SIGTERM, expected 0"
# "accessLog": false in the file, --access-log on on the command line: the flag wins.
[[ $(grep -c '"latency_us":' "$work/out") -ge 5 ]] ||
  fail "--access-log on did not win over the file: $(cat "$work/out")"
echo "marquee-server config test passed"
