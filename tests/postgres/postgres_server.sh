#!/usr/bin/env bash
# A throwaway PostgreSQL 15 server for Marquee's tests, on 127.0.0.1 only.
#
#   tests/postgres/postgres_server.sh start DIR    # initdb into DIR/data, start; prints the URL
#   tests/postgres/postgres_server.sh stop DIR     # fast shutdown (pg_ctl stop -m fast)
#   tests/postgres/postgres_server.sh restart DIR  # fast shutdown (if running), start on the same port
#   tests/postgres/postgres_server.sh url DIR      # prints the URL of a started server
#
# DIR is created if absent and holds everything: the cluster (DIR/data), the
# unix socket (DIR/socket), the log (DIR/postgres.log) and the port
# (DIR/port). The server listens on 127.0.0.1 and a free port the kernel
# hands out, accepts the superuser `postgres` without a password (trust) from
# loopback only, and keeps nothing durable it does not need to (fsync off:
# a test server whose machine crashes is thrown away anyway).
#
# initdb refuses to run as root: as root, every server command runs as the
# `postgres` system user (Debian's postgresql package creates it), and DIR
# and the directories above it are made traversable for that user.
#
# Environment: MARQUEE_PG_BINDIR (default: /usr/lib/postgresql/15/bin).
# See tests/postgres/with_postgres.sh to run a command against a server.
set -euo pipefail

bindir=${MARQUEE_PG_BINDIR:-/usr/lib/postgresql/15/bin}
usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }

if (($# != 2)); then
  usage >&2
  exit 2
fi
command=$1
dir=$2

# Runs a command as the server's owner.
as_owner() {
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A port the kernel hands out for 127.0.0.1 (free unless raced; start
# retries with another one if the server cannot bind it).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' \
    2>/dev/null || echo $((20000 + RANDOM % 40000))
}

url_of() { echo "postgresql://postgres@127.0.0.1:$(cat "$dir/port")/postgres"; }

start_server() {
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $1 -k $dir/socket" start >/dev/null
}

case "$command" in
  start)
    if [[ ! -x $bindir/initdb ]]; then
      echo "postgres_server.sh: $bindir/initdb not found; install PostgreSQL 15" \
           "(scripts/install-deps with MARQUEE_DEP_GROUPS=servers, or apt-get install postgresql-15)" >&2
      exit 1
    fi
    mkdir -p "$dir/socket"
    dir=$(cd "$dir" && pwd)
    if ((EUID == 0)); then
      if ! id postgres >/dev/null 2>&1; then
        echo "postgres_server.sh: running as root needs the 'postgres' system user" >&2
        exit 1
      fi
      chown -R postgres: "$dir"
      # The owner must reach DIR: let it through the (root-owned, often
      # 0700 temp) directories above.
      parent=$dir
      while [[ $parent != / ]]; do
        parent=$(dirname "$parent")
        if [[ $(stat -c %U "$parent") == root ]] && ! runuser -u postgres -- test -x "$parent"; then
          chmod o+x "$parent"
        fi
      done
    fi
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 --no-instructions >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 64MB
log_min_messages = warning
CONF
    started=0
    for _ in 1 2 3 4 5; do
      port=$(free_port)
      if start_server "$port"; then
        started=1
        break
      fi
    done
    if ((!started)); then
      echo "postgres_server.sh: the server did not start; its log:" >&2
      tail -n 40 "$dir/postgres.log" >&2 || true
      exit 1
    fi
    echo "$port" >"$dir/port"
    url_of
    ;;
  stop)
    if [[ -f $dir/data/postmaster.pid ]]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    ;;
  restart)
    if [[ -f $dir/data/postmaster.pid ]]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    # The port was ours a moment ago; retry briefly if the kernel still holds it.
    for _ in $(seq 1 20); do
      if start_server "$(cat "$dir/port")"; then
        exit 0
      fi
      sleep 0.2
    done
    echo "postgres_server.sh: the server did not restart; its log:" >&2
    tail -n 40 "$dir/postgres.log" >&2 || true
    exit 1
    ;;
  url)
    url_of
    ;;
  *)
    usage >&2
    exit 2
    ;;
esac
