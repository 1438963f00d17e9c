#!/usr/bin/env bash
# bench/compare.sh - MoltArena and its peers side by side, in one run: each server fresh for
# each measurement, pinned to one core, the load generator (`moltarena bench`) on the other,
# rounds interleaved (round 1: every size on every server, then round 2, ...). Writes one raw
# JSON file per measurement, machine.json and summary.json (medians) into the output folder,
# and prints the summary table.
#
# Usage: bench/compare.sh [OPTIONS]
#   --servers "moltarena python"   servers to compare (moltarena: the bench plugin; python:
#                                  bench/peers/python/server.py; node: bench/peers/node/server.js;
#                                  limit: bench/peers/c-limit/limit.c, the C ceiling, not a peer)
#   --sizes "100 1000"             receivers in the room for the fan-out runs
#   --rounds 3                     rounds (medians are taken over them)
#   --duration 10 --warmup 2       seconds measured / sent before measuring, per fan-out run
#   --window 48                    closed-loop window (broadcasts outstanding; MoltArena queues at most
#                                  64 events per connection, so keep it below that)
#   --latency "1000:20"            open-loop latency runs, RECEIVERS:BROADCASTS_PER_SECOND ("" for none)
#   --connect 2000                 clients for the connect+join run (0 for none)
#   --idle 10000                   joined idle connections for the memory run: server RSS before and
#                                  with them, KiB per connection (0 for none)
#   --out DIR                      output folder (default bench/results/DATE-TIME)
#   --report                       then write docs/BENCHMARKS.md and its plot from the results
#                                  (bench/report.py with $PYTHON, which needs matplotlib)
#
# Environment:
#   MOLTARENA_BIN   release binary (default .build/release/moltarena; build it with
#                   swift build -c release --product moltarena)
#   PYTHON          Python with bench/peers/python/requirements.txt (default .build/bench-venv/bin/python;
#                   python3 -m venv .build/bench-venv && .build/bench-venv/bin/pip install -r bench/peers/python/requirements.txt)
#   NODE            Node.js for the node peer (default node; socket.io 4.8 wants Node 10 or later)
#   SOCKETIO_NODE_MODULES   node_modules folder with socket.io 4.8 and its dependencies, passed to the
#                   node peer as NODE_PATH (default: none, so bench/peers/node/node_modules, e.g. from
#                   `npm install socket.io@4.8` in bench/peers/node; see bench/peers/node/README.md)
#   LIMIT_BIN       the limit's binary (default .build/bench-limit, built with gcc -O2 from
#                   bench/peers/c-limit/limit.c when missing or older than it)
#   SERVER_CPU=0 LOAD_CPU=1   cores for taskset
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SERVERS="moltarena python"; SIZES="100 1000"; ROUNDS=3; DURATION=10; WARMUP=2; WINDOW=48
LATENCY="1000:20"; CONNECT=2000; IDLE=10000; REPORT=0; OUT="bench/results/$(date +%Y%m%d-%H%M%S)"
while [ $# -gt 0 ]; do
  case "$1" in
    --servers) SERVERS="$2"; shift 2 ;; --sizes) SIZES="$2"; shift 2 ;; --rounds) ROUNDS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;; --warmup) WARMUP="$2"; shift 2 ;; --window) WINDOW="$2"; shift 2 ;;
    --latency) LATENCY="$2"; shift 2 ;; --connect) CONNECT="$2"; shift 2 ;; --out) OUT="$2"; shift 2 ;;
    --idle) IDLE="$2"; shift 2 ;; --report) REPORT=1; shift ;;
    *) echo "bench/compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
BIN="${MOLTARENA_BIN:-.build/release/moltarena}"
PYTHON="${PYTHON:-.build/bench-venv/bin/python}"
NODE="${NODE:-node}"
SOCKETIO_NODE_MODULES="${SOCKETIO_NODE_MODULES:-}"
if [ -n "$SOCKETIO_NODE_MODULES" ]; then
  SOCKETIO_NODE_MODULES="$(cd "$SOCKETIO_NODE_MODULES" && pwd)" || { echo "bench/compare.sh: no folder SOCKETIO_NODE_MODULES" >&2; exit 2; }
  export NODE_PATH="$SOCKETIO_NODE_MODULES"
fi
SERVER_CPU="${SERVER_CPU:-0}"; LOAD_CPU="${LOAD_CPU:-1}"
[ -x "$BIN" ] || { echo "bench/compare.sh: no binary at $BIN" >&2; exit 2; }
case " $SERVERS " in
  *" node "*) (cd bench/peers/node && "$NODE" -e 'try { require("socket.io") } catch (e) { console.error(e.message.split("\n")[0]); process.exit(1) }') \
                || { echo "bench/compare.sh: $NODE cannot load socket.io for bench/peers/node (set SOCKETIO_NODE_MODULES)" >&2; exit 2; } ;;
esac
LIMIT_BIN="${LIMIT_BIN:-}"
case " $SERVERS " in
  *" limit "*) if [ -z "$LIMIT_BIN" ]; then
                 LIMIT_BIN=.build/bench-limit
                 if [ ! -x "$LIMIT_BIN" ] || [ bench/peers/c-limit/limit.c -nt "$LIMIT_BIN" ]; then
                   mkdir -p .build && gcc -O2 -o "$LIMIT_BIN" bench/peers/c-limit/limit.c \
                     || { echo "bench/compare.sh: gcc could not build bench/peers/c-limit/limit.c" >&2; exit 2; }
                 fi
               fi ;;
esac
mkdir -p "$OUT"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
WORK="$(mktemp -d)"
SERVER_PID=""

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

start_server() { # name -> sets URL and SERVER_PID
  rm -f "$WORK/db.sqlite"*; : > "$WORK/server.out"
  case "$1" in
    moltarena) taskset -c "$SERVER_CPU" "$BIN" serve --config bench/plugins.bench.conf --db "$WORK/db.sqlite" \
                 --port 0 --log-level warning --max-connections-per-address 0 --max-handshakes-per-address-per-second 0 > "$WORK/server.out" 2> "$WORK/server.err" & ;;
    python)    taskset -c "$SERVER_CPU" "$PYTHON" bench/peers/python/server.py --port 0 \
                 > "$WORK/server.out" 2> "$WORK/server.err" & ;;
    node)      taskset -c "$SERVER_CPU" "$NODE" bench/peers/node/server.js --port 0 \
                 > "$WORK/server.out" 2> "$WORK/server.err" & ;;
    limit)     taskset -c "$SERVER_CPU" "$LIMIT_BIN" --port 0 > "$WORK/server.out" 2> "$WORK/server.err" & ;;
    *) echo "bench/compare.sh: unknown server $1" >&2; exit 2 ;;
  esac
  SERVER_PID=$!
  URL=""
  for _ in $(seq 300); do
    URL="$(sed -n -E 's#^listening on (http://[^ ]+)$#\1#p' "$WORK/server.out" | head -1)"
    [ -n "$URL" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "bench/compare.sh: $1 did not start:" >&2; cat "$WORK/server.err" >&2; exit 1
}

measure() { # server file scenario bench-args...
  local server="$1" file="$2" scenario="$3"; shift 3
  start_server "$server"
  sleep 0.5
  [ "$scenario" = idle ] && set -- "$@" --server-pid "$SERVER_PID"
  echo "== round $round: $server: bench $scenario $*" >&2
  local load; load="$(cut -d' ' -f1 /proc/loadavg)"
  if taskset -c "$LOAD_CPU" "$BIN" bench "$scenario" "$URL" "$@" --json > "$WORK/result.json"; then
    python3 - "$WORK/result.json" "$OUT/$file" "$server" "$round" "$load" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["server"] = sys.argv[3]
r["round"] = int(sys.argv[4])
r["loadavg1BeforeRun"] = float(sys.argv[5])
r["target"] = "http://127.0.0.1/socket.io/"
json.dump(r, open(sys.argv[2], "w"), indent=2, sort_keys=True)
PY
  else
    echo "bench/compare.sh: FAILED: $server bench $*" >&2
  fi
  stop_server
}

python3 - "$OUT/machine.json" "$BIN" "$PYTHON" "$SERVER_CPU" "$LOAD_CPU" "$ROUNDS" "$DURATION" "$WARMUP" "$WINDOW" "$NODE" <<'PY'
import json, os, platform, subprocess, sys
out, binary, python, server_cpu, load_cpu, rounds, duration, warmup, window, node = sys.argv[1:]
def run(*cmd, cwd=None):
    try: return subprocess.run(cmd, capture_output=True, text=True, timeout=30, cwd=cwd).stdout.strip()
    except Exception: return None
# the versions the node peer resolves (from bench/peers/node, NODE_PATH as given): each package's
# package.json, found from its entry point, and each dependency resolved from its dependent
NODE_VERSIONS = r"""
const fs = require("fs"), path = require("path");
function pkg(name, from) {
  try {
    let dir = path.dirname(require.resolve(name, from ? { paths: [from] } : undefined));
    while (!fs.existsSync(path.join(dir, "package.json")) || require(path.join(dir, "package.json")).name !== name) {
      if (dir === path.dirname(dir)) return null;
      dir = path.dirname(dir);
    }
    return { version: require(path.join(dir, "package.json")).version, dir: fs.realpathSync(dir) };
  } catch (e) { return null; }
}
const sio = pkg("socket.io"), eio = sio && pkg("engine.io", sio.dir), ws = eio && pkg("ws", eio.dir);
const out = { "socket.io": sio, "engine.io": eio, "ws": ws };
for (const addon of ["bufferutil", "utf-8-validate"]) out[addon] = ws && pkg(addon, ws.dir);
for (const k in out) out[k] = out[k] && out[k].version;
console.log(JSON.stringify(out));
"""
node_packages = run(node, "-e", NODE_VERSIONS, cwd="bench/peers/node")
model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), None)
peers = run(python, "-c", "import socketio, engineio, aiohttp, uvloop; print(socketio.__version__ if hasattr(socketio,'__version__') else '', aiohttp.__version__, uvloop.__version__)")
json.dump({
    "cpu": model, "cores": os.cpu_count(), "kernel": platform.release().split("-")[0],
    "swift": (run("swift", "--version") or "").splitlines()[0] if run("swift", "--version") else None,
    "python_packages": run(python, "-m", "pip", "list", "--format=freeze"),
    "node": run(node, "--version"),
    "node_packages": json.loads(node_packages) if node_packages else None,
    "server_cpu": server_cpu, "load_cpu": load_cpu, "rounds": int(rounds),
    "duration_seconds": float(duration), "warmup_seconds": float(warmup), "window": int(window),
    "load_generator": "moltarena bench (release build), 1 thread",
}, open(out, "w"), indent=2)
PY

for round in $(seq "$ROUNDS"); do
  for size in $SIZES; do
    for server in $SERVERS; do
      measure "$server" "$server-fanout-$size-r$round.json" fanout \
        --clients "$size" --window "$WINDOW" --duration "$DURATION" --warmup "$WARMUP"
    done
  done
  for spec in $LATENCY; do
    for server in $SERVERS; do
      measure "$server" "$server-latency-${spec%%:*}-at-${spec##*:}-r$round.json" fanout \
        --clients "${spec%%:*}" --rate "${spec##*:}" --duration "$DURATION" --warmup "$WARMUP"
    done
  done
  if [ "$CONNECT" -gt 0 ]; then
    for server in $SERVERS; do
      measure "$server" "$server-connect-$CONNECT-r$round.json" connect --clients "$CONNECT"
    done
  fi
  if [ "$IDLE" -gt 0 ]; then
    for server in $SERVERS; do
      measure "$server" "$server-idle-$IDLE-r$round.json" idle --clients "$IDLE" --checkpoints "1000,$IDLE" --hold 10
    done
  fi
done

python3 bench/summarize.py "$OUT"
if [ "$REPORT" = 1 ]; then
  "$PYTHON" bench/report.py "$OUT"
fi
