#!/usr/bin/env bash
# bench/many-battles.sh - many battles at once, each with its own agents and spectators
# (`moltarena bench battle --concurrent-battles K`), against a fresh release server: the server
# pinned to core 0 with `ulimit -n 20000` and a new database, the load generator to core 1. The
# generator reads the server's CPU time over the measured window (`--server-pid`:
# serverCpuSecondsInWindow, serverCpuMsPerTurn); this script adds the whole run's
# (serverCpuSecondsTotal, setup included) and the server's RSS at the end.
#
#   bench/many-battles.sh [--bin BIN] [--out FILE] [-- BENCH-BATTLE-ARGS...]
#       one run; BENCH-BATTLE-ARGS default to `--concurrent-battles 500 --spectators 20
#       --rounds 50 --duration 20` (as fast as the server allows). The JSON goes to FILE
#       (default: standard output).
#   bench/many-battles.sh --sweep "50 100 200 400" [--spectators 20] [--turn-interval 1]
#       [--duration 30] [--bin BIN] [--out DIR]
#       the ceiling: one fresh server and run per K at a turn per second per battle; DIR gets
#       k-K.json per run, sweep.json and (with matplotlib) sweep.png from
#       bench/many_battles_plot.py. The ceiling is the largest K whose p99 submit -> battle:turn
#       stays under 100 ms.
#
# BIN defaults to the release build (`swift build -c release --product moltarena`); GEN, if set,
# is the load generator's binary (default BIN); PYTHON, the python that runs the plot (default
# python3; one with matplotlib, e.g. the bench venv of bench/README.md, draws sweep.png).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BIN=""; OUT=""; SWEEP=""; SPECTATORS=20; INTERVAL=1; DURATION=30
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --sweep) SWEEP="$2"; shift 2 ;;
    --spectators) SPECTATORS="$2"; shift 2 ;;
    --turn-interval) INTERVAL="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "bench/many-battles.sh: unknown option $1 (see the header)" >&2; exit 2 ;;
  esac
done
BIN="${BIN:-$(swift build -c release --show-bin-path)/moltarena}"
[ -x "$BIN" ] || { echo "bench/many-battles.sh: no binary at $BIN (swift build -c release --product moltarena)" >&2; exit 2; }
GEN="${GEN:-$BIN}"

ulimit -n 20000
WORK="$(mktemp -d)"
SP=""
cleanup() {
  if [ -n "$SP" ] && kill -0 "$SP" 2>/dev/null; then kill -TERM "$SP" 2>/dev/null || true; wait "$SP" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# measure OUT BENCH-ARGS...: one fresh server, one generator run; the JSON with the server's
# figures to OUT.
measure() {
  local out="$1"; shift
  local db="$WORK/battle-$RANDOM$RANDOM.sqlite"
  taskset -c 0 "$BIN" serve --config bench/plugins.battle.conf --db "$db" --port 0 --log-level warning \
    --max-connections-per-address 0 --max-handshakes-per-address-per-second 0 > "$WORK/server.out" 2> "$WORK/server.err" &
  SP=$!
  local url=""
  for _ in $(seq 300); do
    url="$(sed -n -E 's#^listening on (http://[^ ]+)$#\1#p' "$WORK/server.out" | head -1)"
    [ -n "$url" ] && break
    kill -0 "$SP" 2>/dev/null || { echo "bench/many-battles.sh: server exited:" >&2; cat "$WORK/server.err" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$url" ] || { echo "bench/many-battles.sh: no 'listening on' line within 30 s" >&2; exit 1; }
  local c0 c1 t0 t1 rss status=0
  c0=$(awk '{print $14+$15}' "/proc/$SP/stat")
  t0=$(date +%s.%N)
  taskset -c 1 "$GEN" bench battle "$url" "$@" --server-pid "$SP" --json > "$WORK/result.json" || status=$?
  t1=$(date +%s.%N)
  c1=$(awk '{print $14+$15}' "/proc/$SP/stat")
  rss=$(awk '/VmRSS/{print $2}' "/proc/$SP/status")
  kill -TERM "$SP"; wait "$SP" 2>/dev/null || true
  SP=""
  rm -f "$db" "$db"-*
  [ "$status" -eq 0 ] || { echo "bench/many-battles.sh: the generator failed ($status):" >&2; cat "$WORK/result.json" >&2; return 1; }
  python3 - "$WORK/result.json" "$out" "$c0" "$c1" "$t0" "$t1" "$rss" "$(getconf CLK_TCK)" "$*" <<'PY'
import json, sys
src, out, c0, c1, t0, t1, rss, hz, args = sys.argv[1:]
r = json.load(open(src))
cpu = (int(c1) - int(c0)) / int(hz)
# The whole run's CPU (setup included) beside the generator's window figure (serverCpuMsPerTurn).
r["serverCpuSecondsTotal"] = cpu
r["generatorWallSeconds"] = round(float(t1) - float(t0), 3)
r["serverRssKiBAtEnd"] = int(rss)
r["benchArgs"] = args
text = json.dumps(r, indent=2, sort_keys=True)
if out == "-":
    print(text)
else:
    open(out, "w").write(text + "\n")
lat = r["turnLatency"]
print(f'{r["battles"]} battles x {r["spectatorsPerBattle"]}: {r["turnsPerSecond"]} turns/s, p50/p99/max {lat["p50"]}/{lat["p99"]}/{lat["max"]} ms, '
      f'lost {r["lostTurns"]}, persisted {r["allTurnsPersisted"]}, server cpu {r["serverCpuSecondsInWindow"]} s in the window '
      f'({r["serverCpuMsPerTurn"]} ms/turn, {cpu} s in all), '
      f'rss {int(rss) // 1024} MiB', file=sys.stderr)
PY
}

if [ -z "$SWEEP" ]; then
  [ $# -gt 0 ] || set -- --concurrent-battles 500 --spectators 20 --rounds 50 --duration 20
  measure "${OUT:--}" "$@"
  exit 0
fi

# The sweep: at a turn per second per battle (rounds 50, so a battle outlasts a window of up to
# ~100 s), K rising; every point on a fresh server.
DIR="${OUT:-bench/results/many-battles-$(date -u +%Y-%m-%d)}"
mkdir -p "$DIR"
for K in $SWEEP; do
  measure "$DIR/k-$K.json" --concurrent-battles "$K" --spectators "$SPECTATORS" --rounds 50 \
    --turn-interval "$INTERVAL" --duration "$DURATION" --concurrency 200
done
"${PYTHON:-python3}" bench/many_battles_plot.py "$DIR"
