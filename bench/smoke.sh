#!/usr/bin/env bash
# bench/smoke.sh - proves `moltarena bench` still works, in a few seconds: starts
# `moltarena serve` with the bench plugin on a free port, runs every scenario briefly
# against it and checks correctness only (everything delivered, nothing lost, every
# client joined), never speed.
#
# Usage: bench/smoke.sh [MOLTARENA_BINARY]   (default: $MOLTARENA_BIN, else the debug build's)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${1:-${MOLTARENA_BIN:-$(swift build --show-bin-path)/moltarena}}"
[ -x "$BIN" ] || { echo "bench/smoke.sh: no binary at $BIN (build first)" >&2; exit 2; }

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" serve --config bench/plugins.bench.conf --db "$WORK/bench.sqlite" --port 0 --log-level warning \
  > "$WORK/server.out" 2> "$WORK/server.err" &
SERVER_PID=$!
URL=""
for _ in $(seq 300); do
  URL="$(sed -n -E 's#^listening on (http://[^ ]+)$#\1#p' "$WORK/server.out" | head -1)"
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "bench/smoke.sh: server exited:" >&2; cat "$WORK/server.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$URL" ] || { echo "bench/smoke.sh: no 'listening on' line within 30 s" >&2; exit 1; }

PASSED=0; FAILED=0
run() { # name check-expression bench-args...
  local name="$1" check="$2"; shift 2
  echo "---- bench $*"
  if timeout 60 "$BIN" bench "$@" --json > "$WORK/$name.json" \
     && python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(r); sys.exit(0 if ($check) else 1)" "$WORK/$name.json"; then
    echo "ok: $name"; PASSED=$((PASSED + 1))
  else
    echo "FAILED: $name"; cat "$WORK/$name.json" 2>/dev/null || true; FAILED=$((FAILED + 1))
  fi
}

run fanout-closed 'r["messagesDelivered"] > 0 and r["lostMessages"] == 0 and r["errorEvents"] == 0 and r["latency"]["count"] > 0' \
  fanout "$URL" --clients 20 --window 8 --warmup 0.3 --duration 1
run fanout-open 'r["messagesDelivered"] > 0 and r["lostMessages"] == 0 and r["errorEvents"] == 0' \
  fanout "$URL" --clients 20 --rate 100 --warmup 0.2 --duration 1
run connect 'r["joined"] == 200 and r["failures"] == 0' \
  connect "$URL" --clients 200 --concurrency 50
run idle 'r["connected"] == 100 and r["unexpectedCloses"] == 0 and r["kibPerConnection"] is not None' \
  idle "$URL" --clients 100 --checkpoints 50 --settle 0.2 --server-pid "$SERVER_PID"

echo "bench smoke: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
