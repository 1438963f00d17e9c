#!/usr/bin/env bash
# bench/cluster.sh - what crossing Redis costs a broadcast: fan-out to one room of N receivers
# on one instance without Redis, on one instance with Redis (it publishes every broadcast, nobody
# else listens), and split between two instances over Redis (the sender and half the receivers
# on the first, the other half on the second: every broadcast crosses Redis once). Beside them,
# the C limit with the same generator, for the generator's own ceiling.
#
# Servers and Redis are pinned to SERVER_CPU, the generator to LOAD_CPU. On a 2-core machine
# both instances share one core: this measures the cost of the hop, not the gain of a core.
#
# Usage: bench/cluster.sh [OUT_DIR]    (default bench/results/<date>-cluster)
# Environment: BIN (release moltarena), ROUNDS (3), CLIENTS (1000), DURATION (10), WARMUP (2),
#              WINDOW (48), RATE (20), SERVER_CPU (0), LOAD_CPU (1), LIMIT_BIN
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN="${BIN:-.build/release/moltarena}"
OUT="${1:-bench/results/$(date +%F)-cluster}"
ROUNDS="${ROUNDS:-3}"; CLIENTS="${CLIENTS:-1000}"; DURATION="${DURATION:-10}"; WARMUP="${WARMUP:-2}"
WINDOW="${WINDOW:-48}"; RATE="${RATE:-20}"; SERVER_CPU="${SERVER_CPU:-0}"; LOAD_CPU="${LOAD_CPU:-1}"
[ -x "$BIN" ] || { echo "bench/cluster.sh: build first: swift build -c release --product moltarena" >&2; exit 2; }
command -v redis-server >/dev/null || { echo "bench/cluster.sh: redis-server is not installed" >&2; exit 2; }
LIMIT_BIN="${LIMIT_BIN:-.build/bench-limit}"
if [ ! -x "$LIMIT_BIN" ] || [ bench/peers/c-limit/limit.c -nt "$LIMIT_BIN" ]; then
  mkdir -p .build && gcc -O2 -o "$LIMIT_BIN" bench/peers/c-limit/limit.c
fi
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
WORK="$(mktemp -d)"
PIDS=()
stop_all() {
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
trap 'stop_all; rm -rf "$WORK"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# launch NAME CMD...: starts a server on SERVER_CPU and sets URL from its "listening on" line.
launch() {
  local name="$1"; shift
  taskset -c "$SERVER_CPU" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" &
  PIDS+=("$!")
  URL=""
  for _ in $(seq 300); do
    URL="$(sed -n -E 's#^listening on (http://[^ ]+)$#\1#p' "$WORK/$name.out" | head -1)"
    [ -n "$URL" ] && return 0
    sleep 0.1
  done
  echo "bench/cluster.sh: $name did not start" >&2; cat "$WORK/$name.err" >&2; exit 1
}

instance() { # name [serve args...]
  local name="$1"; shift
  rm -f "$WORK/$name.sqlite"*
  launch "$name" "$BIN" serve --config bench/plugins.bench.conf --db "$WORK/$name.sqlite" --port 0 --log-level warning \
    --max-connections-per-address 0 --max-handshakes-per-address-per-second 0 "$@"
}

redis() {
  REDIS_PORT="$(free_port)"
  taskset -c "$SERVER_CPU" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no > "$WORK/redis.log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "bench/cluster.sh: redis-server did not start" >&2; exit 1
}

# setup CONFIG: starts what CONFIG needs; sets TARGET and EXTRA (generator arguments).
setup() {
  EXTRA=()
  case "$1" in
    single) instance single; TARGET="$URL" ;;
    redis1) redis; instance one --redis "redis://127.0.0.1:$REDIS_PORT" --instance-id one; TARGET="$URL" ;;
    split)  redis
            instance one --redis "redis://127.0.0.1:$REDIS_PORT" --instance-id one; TARGET="$URL"
            instance two --redis "redis://127.0.0.1:$REDIS_PORT" --instance-id two; EXTRA=(--split "$URL")
            for _ in $(seq 100); do
              [ "$(redis-cli -p "$REDIS_PORT" pubsub numsub 'socket.io-request#/#' | tail -1)" = 2 ] && break; sleep 0.1
            done ;;
    limit)  launch limit "$LIMIT_BIN" --port 0; TARGET="$URL" ;;
  esac
}

measure() { # config mode file bench-args...
  local config="$1" mode="$2" file="$3"; shift 3
  setup "$config"
  sleep 0.5
  local load; load="$(cut -d' ' -f1 /proc/loadavg)"
  echo "== round $round: $config $mode (load $load)" >&2
  if taskset -c "$LOAD_CPU" "$BIN" bench fanout "$TARGET" ${EXTRA[@]+"${EXTRA[@]}"} "$@" --json > "$WORK/result.json"; then
    python3 - "$WORK/result.json" "$OUT/$file" "$config" "$mode" "$round" "$load" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r.update(config=sys.argv[3], mode=sys.argv[4], round=int(sys.argv[5]), loadavg1BeforeRun=float(sys.argv[6]))
r.pop("target", None)
json.dump(r, open(sys.argv[2], "w"), indent=2, sort_keys=True)
PY
  else
    echo "bench/cluster.sh: FAILED: $config $mode" >&2
  fi
  stop_all
}

for round in $(seq "$ROUNDS"); do
  for config in single redis1 split limit; do
    measure "$config" throughput "$config-throughput-$round.json" \
      --clients "$CLIENTS" --window "$WINDOW" --warmup "$WARMUP" --duration "$DURATION"
    [ "$config" = limit ] && continue  # the limit answers the closed loop only
    measure "$config" latency "$config-latency-$round.json" \
      --clients "$CLIENTS" --rate "$RATE" --warmup "$WARMUP" --duration "$DURATION"
  done
done
python3 bench/cluster_report.py "$OUT"
