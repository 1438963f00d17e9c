#!/usr/bin/env bash
# Connects + auth + join, round 2: interleaved rounds of `moltarena bench connect` against
#   limit        bench/peers/c-limit/limit.c (the load generator's ceiling, not a peer)
#   moltarena    bench/plugins.connect.conf, anonymous spectators
#   agents       the same server, clients with the keys of AGENTS agents (key checks, cached)
#   agents-all   the same server, one agent per client (every key checked in the database)
#   node         bench/peers/node/server.js (socket.io 4.8), when SOCKETIO_NODE_MODULES is set
# Server pinned to core 0, generator to core 1 (GEN_THREADS event loops); then the limit once
# more with the generator given both cores (2 threads) to show its ceiling when not confined.
#
#   swift build -c release --product moltarena
#   SOCKETIO_NODE_MODULES=/path/to/node_modules bench/results/2026-12-06-connects/measure.sh
#
# Environment: ROUNDS (3), CLIENTS (4000), CONCURRENCY (400), AGENTS (500), GEN_THREADS (1),
# SERVERS ("limit moltarena agents agents-all node"), BIN (.build/release/moltarena),
# OUT (this folder).
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROUNDS="${ROUNDS:-3}"; CLIENTS="${CLIENTS:-4000}"; CONCURRENCY="${CONCURRENCY:-400}"
AGENTS="${AGENTS:-500}"; GEN_THREADS="${GEN_THREADS:-1}"
SERVERS="${SERVERS:-limit moltarena agents agents-all node}"
BIN="${BIN:-.build/release/moltarena}"; OUT="${OUT:-bench/results/2026-12-06-connects}"
LIMIT_BIN=.build/bench-limit
if [ ! -x "$LIMIT_BIN" ] || [ bench/peers/c-limit/limit.c -nt "$LIMIT_BIN" ]; then
  mkdir -p .build && gcc -O2 -o "$LIMIT_BIN" bench/peers/c-limit/limit.c
fi
ulimit -n 20000
WORK="$(mktemp -d)"; SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap 'stop_server; rm -rf "$WORK"' EXIT

start_server() { # kind -> URL, SERVER_PID
  rm -f "$WORK/db.sqlite"*; : > "$WORK/server.out"
  case "$1" in
    moltarena|agents|agents-all)
      taskset -c 0 "$BIN" serve --config bench/plugins.connect.conf --db "$WORK/db.sqlite" --port 0 --log-level warning \
        --max-connections-per-address 0 --max-handshakes-per-address-per-second 0 > "$WORK/server.out" 2> "$WORK/server.err" & ;;
    node)
      NODE_PATH="$SOCKETIO_NODE_MODULES" taskset -c 0 node bench/peers/node/server.js --port 0 > "$WORK/server.out" 2> "$WORK/server.err" & ;;
    limit|limit-2cores)
      taskset -c 0 "$LIMIT_BIN" --port 0 > "$WORK/server.out" 2> "$WORK/server.err" & ;;
  esac
  SERVER_PID=$!
  URL=""
  for _ in $(seq 300); do
    URL="$(sed -n -E 's#^listening on (http://[^ ]+)$#\1#p' "$WORK/server.out" | head -1)"
    [ -n "$URL" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "measure.sh: $1 did not start" >&2; cat "$WORK/server.err" >&2; exit 1
}

measure() { # kind round
  local kind="$1" round="$2" cpus=1 threads="$GEN_THREADS" extra=()
  case "$kind" in
    agents) extra=(--agents "$AGENTS") ;;
    agents-all) extra=(--agents "$CLIENTS") ;;
    limit-2cores) cpus=0,1; threads=2 ;;
    node) [ -n "${SOCKETIO_NODE_MODULES:-}" ] || { echo "measure.sh: node skipped (SOCKETIO_NODE_MODULES unset)" >&2; return 0; } ;;
  esac
  start_server "$kind"
  sleep 0.5
  local load; load="$(cat /proc/loadavg)"
  echo "== round $round: $kind (load $load)" >&2
  if timeout 120 taskset -c "$cpus" "$BIN" bench connect "$URL" --clients "$CLIENTS" --concurrency "$CONCURRENCY" \
      --threads "$threads" "${extra[@]}" --json > "$WORK/result.json"; then
    python3 - "$WORK/result.json" "$OUT/$kind-r$round.json" "$kind" "$round" "$load" "$cpus" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r.update(server=sys.argv[3], round=int(sys.argv[4]), loadavgBeforeRun=sys.argv[5], generatorCpus=sys.argv[6],
         target="http://127.0.0.1/socket.io/")
json.dump(r, open(sys.argv[2], "w"), indent=2, sort_keys=True)
print(f"   {r['joinsPerSecond']:,.0f}/s  joined {r['joined']}  failed {r['failures']}", file=sys.stderr)
PY
  else
    echo "measure.sh: FAILED: $kind" >&2
  fi
  stop_server
}

for round in $(seq "$ROUNDS"); do
  for kind in $SERVERS; do measure "$kind" "$round"; done
  measure limit-2cores "$round"
done
python3 - "$OUT" <<'PY'
import glob, json, os, statistics, sys
out = sys.argv[1]
runs = {}
for path in sorted(glob.glob(os.path.join(out, "*-r*.json"))):
    r = json.load(open(path))
    runs.setdefault(r["server"], []).append(r["joinsPerSecond"])
summary = {k: {"runs": v, "median": statistics.median(v)} for k, v in runs.items()}
json.dump(summary, open(os.path.join(out, "summary.json"), "w"), indent=2, sort_keys=True)
for k, v in summary.items():
    print(f"{k:14} median {v['median']:>9,.0f}/s   runs {', '.join(f'{x:,.0f}' for x in v['runs'])}")
PY
