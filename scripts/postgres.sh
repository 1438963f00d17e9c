#!/usr/bin/env bash
# scripts/postgres.sh - a throwaway PostgreSQL cluster for the tests, in a directory of its own.
#
# Usage:
#   scripts/postgres.sh start DIR [PORT]   create the cluster in DIR if it is not there (initdb,
#                                          trust authentication, listening on 127.0.0.1 only, its
#                                          unix socket in DIR), start it on PORT (default: the
#                                          port it had, else a free one), create the database
#                                          moltarena_test, and print its URL on stdout:
#                                          postgres://postgres@127.0.0.1:PORT/moltarena_test
#   scripts/postgres.sh stop DIR           stop it (fast shutdown: sessions are ended)
#   scripts/postgres.sh restart DIR        stop and start it again (fast), on the same port
#   scripts/postgres.sh status DIR         print its URL and exit 0 when it runs, exit 3 when not
#
# Needs only Debian's postgresql package (its binaries in /usr/lib/postgresql/VERSION/bin; the
# newest is used, or PG_BIN). As root, the server runs as the postgres system user (PostgreSQL
# refuses to run as root): DIR is given to that user, and its parent directories must let it in.
# Durability is traded for speed (fsync off): the cluster is for tests only.
set -euo pipefail

die() { echo "postgres.sh: $*" >&2; exit 1; }
usage() { die "usage: scripts/postgres.sh start DIR [PORT] | stop DIR | restart DIR | status DIR"; }

[ $# -ge 2 ] || usage
COMMAND="$1"
DIR="$2"
PORT_ARG="${3:-}"
DATABASE=moltarena_test

if [ -z "${PG_BIN:-}" ]; then
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
fi
[ -n "$PG_BIN" ] && [ -x "$PG_BIN/pg_ctl" ] \
  || die "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (install Debian's postgresql package, or set PG_BIN)"

# as_owner CMD...: runs CMD as the user the server runs as (postgres when we are root).
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || die "running as root needs the postgres system user (Debian's postgresql package creates it)"
  as_owner() { (cd / && runuser -u postgres -- "$@"); }
else
  as_owner() { "$@"; }
fi

[ "$COMMAND" != start ] || mkdir -p "$DIR"
[ -d "$DIR" ] || die "no directory $DIR"
DIR="$(cd "$DIR" && pwd)"
DATA="$DIR/data"
LOG="$DIR/postgres.log"
PORT_FILE="$DIR/port"

url() { echo "postgres://postgres@127.0.0.1:$1/$DATABASE"; }

is_running() { as_owner "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

# A port nothing listens on now (bash's /dev/tcp: a refused connection means free).
free_port() {
  local port tries
  for tries in $(seq 1 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die "found no free port"
}

start() {
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$DIR"
    runuser -u postgres -- test -w "$DIR" \
      || die "the postgres user cannot write in $DIR (a parent directory is closed to it: choose a DIR under /tmp)"
  fi
  if [ ! -s "$DATA/PG_VERSION" ]; then
    as_owner "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  fi
  local port="$PORT_ARG"
  if is_running; then
    [ -z "$port" ] || [ "$port" = "$(cat "$PORT_FILE")" ] || die "the cluster in $DIR already runs, on port $(cat "$PORT_FILE")"
    url "$(cat "$PORT_FILE")"
    return 0
  fi
  if [ -z "$port" ] && [ -s "$PORT_FILE" ]; then port="$(cat "$PORT_FILE")"; fi
  if [ -z "$port" ]; then port="$(free_port)"; fi
  echo "$port" >"$PORT_FILE"
  # Settings on the command line (not in postgresql.conf), so that restart keeps them: pg_ctl
  # records the options a server was started with. Many connections: the Swift suites run once
  # more on PostgreSQL with hundreds of test runtimes in parallel, each with its own connections.
  as_owner "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$DIR' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000" \
    start >/dev/null || { tail -20 "$LOG" >&2; die "the server did not start (log: $LOG)"; }
  if [ "$(as_owner "$PG_BIN/psql" -h "$DIR" -p "$port" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]; then
    as_owner "$PG_BIN/createdb" -h "$DIR" -p "$port" -U postgres "$DATABASE" || die "could not create the database $DATABASE"
  fi
  url "$port"
}

require_cluster() { [ -s "$DATA/PG_VERSION" ] || die "no cluster in $DIR (make one with: scripts/postgres.sh start $DIR)"; }

case "$COMMAND" in
  start) start ;;
  stop)
    require_cluster
    if is_running; then as_owner "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null; fi
    ;;
  restart)
    require_cluster
    is_running || die "the cluster in $DIR is not running (start it with: scripts/postgres.sh start $DIR)"
    as_owner "$PG_BIN/pg_ctl" -D "$DATA" -l "$LOG" -m fast -w -t 60 restart >/dev/null \
      || { tail -20 "$LOG" >&2; die "the server did not restart (log: $LOG)"; }
    ;;
  status)
    require_cluster
    if is_running; then url "$(cat "$PORT_FILE")"; else echo "postgres.sh: the cluster in $DIR is not running" >&2; exit 3; fi
    ;;
  *) usage ;;
esac
