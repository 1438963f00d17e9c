#!/usr/bin/env bash
# How these results were taken: the server binary BIN (built from COMMIT, release), fresh with
# bench/plugins.battle.conf on a new database, pinned to core 0 with `ulimit -n 20000`; the
# load generator (`moltarena bench battle` of GEN, default BIN) pinned to core 1; adds the load
# averages, the server's CPU time and RSS and COMMIT to the JSON.
#
# STORE=sqlite (default): a new SQLite file. STORE=postgres: a new database on the PostgreSQL
# server at POSTGRES_URL (made with psql; run that server pinned to core 0 too, so that the
# database's work counts on the server's side: its CPU seconds are added as postgresCpuSeconds).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../../.."
BIN="$1"; COMMIT="$2"; OUT="$3"; shift 3
DB="$(mktemp -d)"
STORE="${STORE:-sqlite}"
if [ "$STORE" = postgres ]; then
  NAME="bench_$(date +%s%N)"
  psql "$POSTGRES_URL" -qc "CREATE DATABASE $NAME"
  DBURL="${POSTGRES_URL%/*}/$NAME"
else
  DBURL="$DB/battle.sqlite"
fi
# CPU seconds (user + system) of every PostgreSQL process now.
pg_cpu() { local t=0 p; for p in $(pgrep -x postgres || true); do t=$((t + $(awk '{print $14+$15}' /proc/$p/stat 2>/dev/null || echo 0))); done; echo $t; }
ulimit -n 20000
taskset -c 0 "$BIN" serve --config bench/plugins.battle.conf --db "$DBURL" --port 0 --log-level notice \
  --max-connections-per-address 0 --max-handshakes-per-address-per-second 0 > "$DB/server.out" 2> "$DB/server.err" &
SP=$!
trap 'kill -TERM $SP 2>/dev/null || true; rm -rf "$DB"' EXIT
for _ in $(seq 100); do grep -q listening "$DB/server.out" && break; sleep 0.1; done
URL=$(sed -n -E 's#^listening on (http://[^ ]+)$#\1#p' "$DB/server.out")
LOAD0="$(cut -d' ' -f1-3 /proc/loadavg)"
C0=$(awk '{print $14+$15}' /proc/$SP/stat)
P0=$(pg_cpu)
T0=$(date +%s.%N)
taskset -c 1 "${GEN:-$BIN}" bench battle "$URL" "$@" --json > "$DB/result.json"
T1=$(date +%s.%N)
C1=$(awk '{print $14+$15}' /proc/$SP/stat)
P1=$(pg_cpu)
RSS=$(awk '/VmRSS/{print $2}' /proc/$SP/status)
LOAD1="$(cut -d' ' -f1-3 /proc/loadavg)"
kill -TERM $SP; wait $SP || true
trap - EXIT
echo "server log lines: $(wc -l < "$DB/server.err")"; tail -3 "$DB/server.err"
python3 - "$DB/result.json" "$OUT" "$LOAD0" "$LOAD1" "$C0" "$C1" "$T0" "$T1" "$RSS" "$COMMIT" "$*" "$STORE" "$P0" "$P1" <<'PY'
import json, sys
src, out, load0, load1, c0, c1, t0, t1, rss, commit, args, store, p0, p1 = sys.argv[1:]
r = json.load(open(src))
r["loadavgBeforeRun"] = [float(x) for x in load0.split()]
r["loadavgAfterRun"] = [float(x) for x in load1.split()]
r["serverCpuSeconds"] = (int(c1) - int(c0)) / 100
r["generatorWallSeconds"] = round(float(t1) - float(t0), 3)
r["serverRssKiBAtEnd"] = int(rss)
r["commit"] = commit
r["benchArgs"] = args
r["store"] = store
r["postgresCpuSeconds"] = (int(p1) - int(p0)) / 100 if store == "postgres" else 0
json.dump(r, open(out, "w"), indent=2, sort_keys=True)
print(f'{out} ({store}): {r["turnsPerSecond"]} turns/s, {r["turnsAccepted"]} turns, p50/p99 {r["turnLatency"]["p50"]}/{r["turnLatency"]["p99"]} ms, {r["spectatorEventsPerSecond"]} events/s, lost {r["lostTurns"]}, persisted {r["allTurnsPersisted"]}, server cpu {r["serverCpuSeconds"]} s (postgres {r["postgresCpuSeconds"]} s) in {r["generatorWallSeconds"]} s, load {load0} -> {load1}')
PY
rm -rf "$DB"
