#!/usr/bin/env bash
# How these results were taken: `measure.sh SCENARIO BIN COMMIT OUT.json [BENCH ARGS...]` starts a
# fresh server from BIN (release build of COMMIT) on a new SQLite database, `ulimit -n 20000`,
# pinned to core 0, and runs `moltarena bench SCENARIO` (the generator GEN, default BIN) pinned to
# core 1; SCENARIO `fanout` uses bench/plugins.bench.conf, `battle` bench/plugins.battle.conf.
# It counts the server's write system calls while the generator runs (perf stat, when present)
# and adds them, the load averages, the server's CPU time and RSS and COMMIT to the JSON.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
SCENARIO="$1"; BIN="$2"; COMMIT="$3"; OUT="$4"; shift 4
case "$SCENARIO" in
  fanout) CONFIG=bench/plugins.bench.conf ;;
  battle) CONFIG=bench/plugins.battle.conf ;;
  *) echo "measure.sh: SCENARIO is fanout or battle" >&2; exit 2 ;;
esac
DB="$(mktemp -d)"
ulimit -n 20000
taskset -c 0 "$BIN" serve --config "$CONFIG" --db "$DB/arena.sqlite" --port 0 --log-level notice \
  --max-connections-per-address 0 --max-handshakes-per-address-per-second 0 > "$DB/server.out" 2> "$DB/server.err" &
SP=$!
trap 'kill -TERM $SP 2>/dev/null || true; rm -rf "$DB"' EXIT
for _ in $(seq 100); do grep -q listening "$DB/server.out" && break; sleep 0.1; done
URL=$(sed -n -E 's#^listening on (http://[^ ]+)$#\1#p' "$DB/server.out")
LOAD0="$(cut -d' ' -f1-3 /proc/loadavg)"
C0=$(awk '{print $14+$15}' /proc/$SP/stat)
WRITES=-1
if command -v perf > /dev/null; then
  perf stat -x, -e syscalls:sys_enter_write,syscalls:sys_enter_writev -p $SP -o "$DB/writes.csv" &
  STAT=$!
fi
T0=$(date +%s.%N)
taskset -c 1 "${GEN:-$BIN}" bench "$SCENARIO" "$URL" "$@" --json > "$DB/result.json"
T1=$(date +%s.%N)
if [ -n "${STAT:-}" ]; then
  kill -INT $STAT; wait $STAT || true
  WRITES=$(awk -F, '/sys_enter_write/ {s += $1} END {print s + 0}' "$DB/writes.csv")
fi
C1=$(awk '{print $14+$15}' /proc/$SP/stat)
RSS=$(awk '/VmRSS/{print $2}' /proc/$SP/status)
LOAD1="$(cut -d' ' -f1-3 /proc/loadavg)"
kill -TERM $SP; wait $SP || true
trap - EXIT
python3 - "$DB/result.json" "$OUT" "$LOAD0" "$LOAD1" "$C0" "$C1" "$T0" "$T1" "$RSS" "$COMMIT" "$WRITES" "$*" <<'PY'
import json, sys
src, out, load0, load1, c0, c1, t0, t1, rss, commit, writes, args = sys.argv[1:]
r = json.load(open(src))
r["loadavgBeforeRun"] = [float(x) for x in load0.split()]
r["loadavgAfterRun"] = [float(x) for x in load1.split()]
r["serverCpuSeconds"] = (int(c1) - int(c0)) / 100
r["generatorWallSeconds"] = round(float(t1) - float(t0), 3)
r["serverRssKiBAtEnd"] = int(rss)
r["serverWriteSyscalls"] = int(writes)
r["commit"] = commit
r["benchArgs"] = args
json.dump(r, open(out, "w"), indent=2, sort_keys=True)
if "turnsPerSecond" in r:
    print(f'{out}: {r["turnsPerSecond"]} turns/s, {r["turnsAccepted"]} turns, p50/p99 {r["turnLatency"]["p50"]}/{r["turnLatency"]["p99"]} ms, '
          f'{r["spectatorEventsPerSecond"]} events/s, lost {r["lostTurns"]}, persisted {r["allTurnsPersisted"]}, writes {writes}, '
          f'server cpu {r["serverCpuSeconds"]} s, load {load0}')
else:
    print(f'{out}: {json.dumps({k: v for k, v in r.items() if not isinstance(v, (dict, list))})}')
PY
rm -rf "$DB"
