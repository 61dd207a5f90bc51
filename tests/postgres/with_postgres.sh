#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL 15 server on 127.0.0.1, its URL
# in MARQUEE_TEST_POSTGRES_URL, then stops the server and removes its files.
#
#   tests/postgres/with_postgres.sh ctest --test-dir build/default -L postgres -j2
#   tests/postgres/with_postgres.sh build/default/tests/postgres/postgres_store_test
#
# The server is tests/postgres/postgres_server.sh's (initdb into a temp dir,
# a free port, trust auth from loopback). Exits with the command's status.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if (($# == 0)); then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/marquee-postgres.XXXXXX")
cleanup() {
  "$here/postgres_server.sh" stop "$dir" || true
  rm -rf "$dir"
}
trap cleanup EXIT
MARQUEE_TEST_POSTGRES_URL=$("$here/postgres_server.sh" start "$dir")
export MARQUEE_TEST_POSTGRES_URL
echo "with_postgres.sh: PostgreSQL at $MARQUEE_TEST_POSTGRES_URL" >&2
status=0
"$@" || status=$?
exit "$status"
