#!/usr/bin/env bash
# bench/smoke.sh - proves `moltarena bench` still works, in a few seconds: starts
# `moltarena serve` with the bench plugin on a free port, runs every scenario briefly
# against it and checks correctness only (everything delivered, nothing lost, every
# client joined), never speed; then the battle scenario against a second server with
# bench/plugins.battle.conf (every turn accepted, delivered to every spectator, persisted), one
# battle after another and several at once.
#
# Usage: bench/smoke.sh [MOLTARENA_BINARY]   (default: $MOLTARENA_BIN, else the debug build's)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN="${1:-${MOLTARENA_BIN:-$(swift build --show-bin-path)/moltarena}}"
[ -x "$BIN" ] || { echo "bench/smoke.sh: no binary at $BIN (build first)" >&2; exit 2; }

WORK="$(mktemp -d)"
SERVER_PIDS=()
stop_server() { # pid
  local pid="$1"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
cleanup() {
  for pid in ${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}; do stop_server "$pid"; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# start_server NAME CONFIG [SERVE-ARGS...]: starts `moltarena serve` on a free port; sets URL and SERVER_PID.
start_server() {
  local name="$1" config="$2"; shift 2
  "$BIN" serve --config "$config" --db "$WORK/$name.sqlite" --port 0 --log-level warning \
    --max-connections-per-address 0 --max-handshakes-per-address-per-second 0 "$@" \
    > "$WORK/$name.out" 2> "$WORK/$name.err" &
  SERVER_PID=$!
  SERVER_PIDS+=("$SERVER_PID")
  URL=""
  for _ in $(seq 300); do
    URL="$(sed -n -E 's#^listening on (http://[^ ]+)$#\1#p' "$WORK/$name.out" | head -1)"
    [ -n "$URL" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "bench/smoke.sh: server exited:" >&2; cat "$WORK/$name.err" >&2; exit 1; }
    sleep 0.1
  done
  echo "bench/smoke.sh: no 'listening on' line within 30 s" >&2
  exit 1
}

start_server bench bench/plugins.bench.conf

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

# The product path: 2 battles of 3 rounds back to back, 50 spectators in each. Every turn
# accepted, every spectator got every turn and both ends, the snapshots hold exactly the turns.
start_server battle bench/plugins.battle.conf
run battle 'r["endedBy"] == "battles" and r["turnsAccepted"] == 12 and r["submitErrors"] == 0 and r["lostTurns"] == 0 and r["outOfOrderTurns"] == 0 and r["spectatorsSawEveryEnd"] == 50 and r["spectatorTurns"] == 600 and r["persistedTurns"] == 12 and r["allTurnsPersisted"] and r["errorEvents"] == 0 and r["unexpectedCloses"] == 0' \
  battle "$URL" --spectators 50 --rounds 3 --battles 2 --duration 30

# Many battles at once, each with its own agents and spectators: 3 battles of 5 rounds as fast as
# they go, 3 spectators each (every battle ends; each spectator got its own battle's 10 turns);
# then 2 battles paced at a turn per 0.2 s for 2 s (at most 11 turns a battle get in).
run battle-concurrent 'r["endedBy"] == "battles" and r["battlesEnded"] == 3 and r["turnsAccepted"] == 30 and r["submitErrors"] == 0 and r["lostTurns"] == 0 and r["outOfOrderTurns"] == 0 and r["spectatorTurns"] == 90 and r["spectatorsSawTheirEnd"] == 9 and r["persistedTurns"] == 30 and r["allTurnsPersisted"] and r["errorEvents"] == 0 and r["unexpectedCloses"] == 0' \
  battle "$URL" --concurrent-battles 3 --spectators 3 --rounds 5 --duration 30
run battle-paced 'r["endedBy"] == "duration" and 2 <= r["turnsAccepted"] <= 22 and r["submitErrors"] == 0 and r["lostTurns"] == 0 and r["outOfOrderTurns"] == 0 and r["spectatorTurns"] == 3 * r["turnsAccepted"] and r["persistedTurns"] == r["turnsAccepted"] and r["allTurnsPersisted"] and r["errorEvents"] == 0 and r["unexpectedCloses"] == 0' \
  battle "$URL" --concurrent-battles 2 --spectators 3 --rounds 50 --turn-interval 0.2 --duration 2

# Two instances over Redis, the room split between them: every broadcast of the sender (on the
# first) reaches the receivers on the second through Redis, once.
if command -v redis-server >/dev/null 2>&1; then
  REDIS_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no > "$WORK/redis.log" 2>&1 &
  SERVER_PIDS+=("$!")
  for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  start_server split-1 bench/plugins.bench.conf --redis "redis://127.0.0.1:$REDIS_PORT" --instance-id one
  FIRST="$URL"
  start_server split-2 bench/plugins.bench.conf --redis "redis://127.0.0.1:$REDIS_PORT" --instance-id two
  for _ in $(seq 100); do
    [ "$(redis-cli -p "$REDIS_PORT" pubsub numsub 'socket.io-request#/#' | tail -1)" = 2 ] && break; sleep 0.1
  done
  run fanout-split 'r["messagesDelivered"] > 0 and r["lostMessages"] == 0 and r["errorEvents"] == 0 and r["latency"]["count"] > 0' \
    fanout "$FIRST" --split "$URL" --clients 20 --window 8 --warmup 0.3 --duration 1
else
  echo "FAILED: fanout-split: redis-server is not installed (apt-get install redis-server)"; FAILED=$((FAILED + 1))
fi

echo "bench smoke: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
