#!/usr/bin/env bash
# Usage: measure.sh BINARY OUT.json bench|battle [more `bench idle` options]
# Starts a fresh server from BINARY (bench/plugins.bench.conf, or bench/plugins.battle.conf for
# `battle`) pinned to core 0, holds 10,000 idle joined connections from the same binary pinned
# to core 1 (`bench idle --battle` for `battle`: anonymous spectators of a new battle), writes
# the JSON report to OUT.json and stops the server.
set -euo pipefail
BIN="$1"; OUT="$2"; KIND="$3"; shift 3
ulimit -n 20000
DB="$(mktemp -d)"
CONF=bench/plugins.bench.conf; EXTRA=()
if [ "$KIND" = battle ]; then CONF=bench/plugins.battle.conf; EXTRA=(--battle); fi
taskset -c 0 "$BIN" serve --config "$CONF" --db "$DB/x.sqlite" --port 0 --log-level warning \
  --max-connections-per-address 0 --max-handshakes-per-address-per-second 0 > "$DB/out" 2> "$DB/err" &
SP=$!
trap 'kill $SP 2>/dev/null || true; rm -rf "$DB"' EXIT
for _ in $(seq 600); do
  URL="$(sed -n -E 's#^listening on (http://[^ ]+)$#\1#p' "$DB/out")"
  [ -n "$URL" ] && break
  sleep 0.2
done
sleep 2
taskset -c 1 "$BIN" bench idle "$URL" --clients 10000 --server-pid "$SP" --json "${EXTRA[@]}" "$@" > "$OUT"
cat "$OUT"
