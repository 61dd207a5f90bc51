#!/usr/bin/env bash
# The ctest of marquee-server --web-dir over a real socket (raw requests
# through bash's /dev/tcp, so no client normalises the paths first): the
# page and its script are served with their types, traversal attempts are
# refused, GET / redirects to the page, the API still answers beside it, and
# the poll stream takes the delivery key as ?access_token= (an EventSource
# cannot send headers) without the key reaching the access log.
#
#   serve_test.sh path/to/marquee-server path/to/examples/web WORK_DIR
set -euo pipefail

server=$1
web_dir=$2
work=$3
rm -rf "$work"
mkdir -p "$work"

admin=mq_web_test_admin_key_0123456789
delivery=mq_web_test_delivery_key_0123456789
pid=""
fail() {
  echo "FAIL: $*" >&2
  [[ -f $work/err ]] && { echo "--- server stderr" >&2; cat "$work/err" >&2; }
  exit 1
}
cleanup() { [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null || true; }
trap cleanup EXIT

# RAW METHOD TARGET [HEADER_LINES]: the whole response of one request.
raw() {
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n' "$1" "$2" "${3:-}" >&3
  timeout 10 cat <&3 || true
  exec 3<&-
}
status_of() { head -n 1 <<<"$1" | cut -d' ' -f2; }
header_of() { grep -i "^$2:" <<<"$1" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }

"$server" --demo --listen 127.0.0.1:0 --port-file "$work/port" --threads 2 \
  --admin-key "$admin" --delivery-key "$delivery" --web-dir "$web_dir" \
  >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 600); do
  [[ -s $work/port ]] && break
  kill -0 "$pid" 2>/dev/null || fail "marquee-server exited at start"
  sleep 0.1
done
[[ -s $work/port ]] || fail "no port file after 60 s"
port=$(cat "$work/port")
grep -q "web: $web_dir at http://127.0.0.1:$port/web/" "$work/err" || fail "no web line in the banner"

page=$(raw GET /web/)
[[ $(status_of "$page") == 200 ]] || fail "GET /web/: $page"
[[ $(header_of "$page" Content-Type) == "text/html; charset=utf-8" ]] || fail "page type: $page"
grep -q "Marquee demo shop" <<<"$page" || fail "the page is not index.html"
script=$(raw GET /web/app.js)
[[ $(status_of "$script") == 200 ]] || fail "GET /web/app.js"
[[ $(header_of "$script" Content-Type) == "text/javascript; charset=utf-8" ]] || fail "script type"
etag=$(header_of "$script" ETag)
[[ -n $etag ]] || fail "no ETag on app.js"
[[ $(status_of "$(raw GET /web/app.js "If-None-Match: $etag"$'\r\n')") == 304 ]] || fail "no 304"
[[ $(header_of "$(raw GET /web/style.css)" Content-Type) == "text/css; charset=utf-8" ]] ||
  fail "style type"

root=$(raw GET /)
[[ $(status_of "$root") == 301 && $(header_of "$root" Location) == /web/ ]] || fail "GET /: $root"

# Out of the directory: dot segments (raw and encoded), an encoded '/',
# hidden files and missing files.
for target in /web/../CMakeLists.txt /web/%2e%2e/serve_test.sh /web/..%2Fserve_test.sh \
              /web/.%2E/app.js "/web/app.js%00.html"; do
  r=$(raw GET "$target")
  [[ $(status_of "$r") == 400 ]] || fail "$target: expected 400, got $(head -n 1 <<<"$r")"
done
for target in /web/serve_test.sh.missing /web/.hidden /web//app.js; do
  r=$(raw GET "$target")
  [[ $(status_of "$r") == 404 ]] || fail "$target: expected 404, got $(head -n 1 <<<"$r")"
done
[[ $(status_of "$(raw POST /web/app.js)") == 405 ]] || fail "POST of a static file"

# The API beside it, with its own auth.
[[ $(status_of "$(raw GET /healthz)") == 200 ]] || fail "healthz"
[[ $(status_of "$(raw GET /v1/campaigns/spring-sale)") == 401 ]] || fail "the API lost its auth"

# The stream with the key in the query, as the page's EventSource opens it.
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /v1/polls/favourite-banner/stream?access_token=%s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n' \
  "$delivery" >&3
stream=$(timeout 3 cat <&3 || true)
exec 3<&-
[[ $(status_of "$stream") == 200 ]] || fail "stream with access_token: $stream"
grep -q '^event: tally' <<<"$stream" || fail "no tally event: $stream"
grep -q '"poll":"favourite-banner"' <<<"$stream" || fail "no tally data: $stream"
r=$(raw GET "/v1/polls/favourite-banner/stream?access_token=$admin")
[[ $(status_of "$r") == 403 ]] || fail "an admin key in the query was not refused: $r"

kill -TERM "$pid"
if wait "$pid"; then rc=0; else rc=$?; fi
pid=""
[[ $rc -eq 0 ]] || fail "marquee-server exited $rc after SIGTERM"
grep -q 'access_token=REDACTED' "$work/out" || fail "the stream request is not in the access log"
if grep -q -- "$delivery" "$work/out" "$work/err"; then fail "the delivery key reached a log"; fi
if grep -q -- "$admin" "$work/out"; then fail "the admin key reached the access log"; fi
echo "web serve test passed"
