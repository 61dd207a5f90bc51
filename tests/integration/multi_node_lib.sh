# Shared by the multi-node tests (tests/integration/multi_node_*_test.sh):
# starts a Redis and marquee-server nodes on loopback, talks HTTP with curl.
# Sourced, not run. The caller sets `server` (the marquee-server binary) and
# `work` (an empty scratch dir), then calls mn_init.
#
# What a test owns, it stops: the EXIT trap ends every process started here
# (by its pid), drops the test's PostgreSQL schema, and stops a private
# PostgreSQL started with mn_start_private_postgres.
# shellcheck shell=bash

here_lib=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
postgres_script="$here_lib/../postgres/postgres_server.sh"

admin_key=multi-node-admin-key-0123456789
delivery_key=multi-node-delivery-key-0123456789

fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$work"/node-*.err; do
    [[ -f $f ]] || continue
    echo "---- $f (last lines)" >&2
    tail -n 15 "$f" >&2
  done
  exit 1
}
say() { echo "multi-node: $*"; }

# Milliseconds since the epoch.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# A TCP port the kernel hands out for 127.0.0.1 (free unless raced).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

declare -A node_pid=() node_port=()
redis_pid=""
redis_port=""
private_postgres_dir=""
schema=""
pg_url=""

mn_cleanup() {
  local name
  for name in "${!node_pid[@]}"; do
    kill -TERM "${node_pid[$name]}" 2>/dev/null || true
  done
  [[ -n $redis_pid ]] && kill -TERM "$redis_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  if [[ -n $schema && -n $pg_url && -z $private_postgres_dir ]]; then
    psql -q "$pg_url" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  fi
  if [[ -n $private_postgres_dir ]]; then
    "$postgres_script" stop "$private_postgres_dir" >/dev/null 2>&1 || true
  fi
}

# mn_init NAME: checks the tools, picks the shared PostgreSQL
# (MARQUEE_TEST_POSTGRES_URL) and a fresh schema mn_<NAME>_<random>.
mn_init() {
  trap mn_cleanup EXIT
  command -v redis-server >/dev/null || fail "redis-server is not installed (apt-get install redis-server)"
  command -v curl >/dev/null || fail "curl is not installed"
  schema="mn_$1_$(date +%s)_$RANDOM"
  if [[ ${2:-} != private-postgres ]]; then
    pg_url=${MARQUEE_TEST_POSTGRES_URL:-}
    [[ -n $pg_url ]] || fail "MARQUEE_TEST_POSTGRES_URL is not set: run under scripts/test, or" \
      "tests/postgres/with_postgres.sh ctest ..., which start a PostgreSQL"
  fi
}

# A PostgreSQL of this test's own (it restarts it), under $work/postgres.
mn_start_private_postgres() {
  private_postgres_dir="$work/postgres"
  pg_url=$("$postgres_script" start "$private_postgres_dir") || fail "could not start PostgreSQL"
}

mn_restart_private_postgres() {
  "$postgres_script" restart "$private_postgres_dir" || fail "could not restart PostgreSQL"
}

# mn_start_redis [PORT]: a Redis on 127.0.0.1 (PORT, or a free one the
# first time). It snapshots to $work/redis/dump.rdb only when told to
# (mn_stop_redis save), so a restart may find the values it held.
mn_start_redis() {
  mkdir -p "$work/redis"
  [[ -n $redis_port ]] || redis_port=${1:-$(free_port)}
  local attempt
  for attempt in $(seq 50); do
    redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
      --dir "$work/redis" --dbfilename dump.rdb >>"$work/redis/log" 2>&1 &
    redis_pid=$!
    local i
    for i in $(seq 50); do
      redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG && return 0
      kill -0 "$redis_pid" 2>/dev/null || break
      sleep 0.1
    done
    # The port may still be held a moment after a stop: try again.
    sleep 0.2
  done
  fail "redis-server did not start on port $redis_port: $(tail -n 5 "$work/redis/log")"
}

# mn_stop_redis [save]: stops Redis (with save: writes its data first, so
# the next start serves the values it held, stale ones included).
mn_stop_redis() {
  if [[ ${1:-} == save ]]; then
    redis-cli -p "$redis_port" shutdown save >/dev/null 2>&1 || true
  else
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  fi
  wait "$redis_pid" 2>/dev/null || true
  redis_pid=""
}

# mn_start_node NAME [FLAGS...]: a marquee-server on a free port, on the
# test's PostgreSQL schema and (when started) Redis; waits until it listens.
mn_start_node() {
  local name=$1
  shift
  local redis_flags=()
  [[ -n $redis_port ]] && redis_flags=(--redis "redis://127.0.0.1:$redis_port")
  rm -f "$work/node-$name.port"
  "$server" --postgres "$pg_url" --postgres-schema "$schema" "${redis_flags[@]}" \
    --listen 127.0.0.1:0 --port-file "$work/node-$name.port" --threads 4 \
    --admin-key "$admin_key" --delivery-key "$delivery_key" --access-log off --webhooks off \
    "$@" >"$work/node-$name.out" 2>"$work/node-$name.err" &
  node_pid[$name]=$!
}

# mn_wait_node NAME: waits for the port file of a node started by
# mn_start_node, sets node_port[NAME].
mn_wait_node() {
  local name=$1 i
  for i in $(seq 300); do
    [[ -s $work/node-$name.port ]] && break
    kill -0 "${node_pid[$name]}" 2>/dev/null || fail "node $name exited at start"
    sleep 0.1
  done
  [[ -s $work/node-$name.port ]] || fail "node $name: no port file after 30 s"
  node_port[$name]=$(cat "$work/node-$name.port")
}

mn_kill9_node() {
  kill -9 "${node_pid[$1]}" 2>/dev/null || true
  wait "${node_pid[$1]}" 2>/dev/null || true
  unset "node_pid[$1]"
}

# http NODE METHOD PATH [BODY [HEADER...]]: prints the status code on the
# first line, then the body; the headers go to $work/last.headers.
http() {
  local node=$1 method=$2 path=$3 body=${4:-}
  shift 4 2>/dev/null || shift $#
  local args=(-s -m 10 -X "$method" -H "Authorization: Bearer $admin_key" -D "$work/last.headers"
              -w '\n%{http_code}')
  local h
  for h in "$@"; do args+=(-H "$h"); done
  [[ -n $body ]] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  local out
  out=$(curl "${args[@]}" "http://127.0.0.1:${node_port[$node]}$path") || true
  # Status first, then the body.
  printf '%s\n%s' "${out##*$'\n'}" "${out%$'\n'*}"
}

# status_of OUTPUT / body_of OUTPUT: the parts of http's output.
status_of() { printf '%s' "${1%%$'\n'*}"; }
body_of() { printf '%s' "${1#*$'\n'}"; }

# etag_of: the ETag of the last http call.
etag_of() { tr -d '\r' <"$work/last.headers" | sed -n 's/^[Ee][Tt][Aa][Gg]: //p'; }

# metric NODE NAME: the value of one metric of the node's /metrics.
metric() {
  curl -s -m 10 -H "Authorization: Bearer $admin_key" "http://127.0.0.1:${node_port[$1]}/metrics" |
    sed -n "s/^$2 //p"
}
