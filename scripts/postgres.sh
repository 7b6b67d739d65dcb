#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server for the tests: a fresh data directory
# in a temp dir, owned by an unprivileged user, listening on loopback only.
# Prints the database URL on stdout; `scripts/postgres.sh stop DIR` stops it.
# The tests' server does not sync to disk (fsync=off); PRODGATE_PG_FSYNC=on
# starts one that does, as production runs, to measure what durability costs.
# PRODGATE_PG_PORT picks the port.
set -euo pipefail

find_bin() {
  for dir in /usr/lib/postgresql/*/bin /usr/local/bin /usr/bin; do
    [ -x "$dir/$1" ] && { echo "$dir/$1"; return 0; }
  done
  return 1
}

if [ "${1:-}" = "stop" ]; then
  dir=$2
  pg_ctl=$(find_bin pg_ctl)
  as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
  as_owner "$pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit 0
fi

if ! find_bin initdb >/dev/null; then
  echo "postgres.sh: PostgreSQL server binaries not found; installing postgresql" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
initdb=$(find_bin initdb)
pg_ctl=$(find_bin pg_ctl)

dir=$(mktemp -d /tmp/prodgate-pg.XXXXXX)
chmod 755 "$dir"
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$dir"
  as_owner() { runuser -u postgres -- "$@"; }
else
  as_owner() { "$@"; }
fi

port=${PRODGATE_PG_PORT:-$(( 20000 + RANDOM % 20000 ))}
as_owner "$initdb" -D "$dir/data" -U prodgate --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1
durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
if [ "${PRODGATE_PG_FSYNC:-off}" = on ]; then
  durability="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
fi
as_owner "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $port -k $dir $durability -c max_connections=200" start >/dev/null
echo "postgres://prodgate@127.0.0.1:$port/postgres?sslmode=disable DIR=$dir"
