#!/usr/bin/env bash
# bench/soak.sh - a bounded soak of `moltarena serve` on the battle path: for DURATION seconds,
# rounds of battles back to back (two fresh agents per round, spectators joining every battle and
# leaving with it), and connect/disconnect churn with join/leave in a finished battle's room, while the server's RSS and
# its moltarena_battles_owned gauge are sampled. Reports whether memory is flat after warm-up
# (the first third of the run) and whether every finished battle released its owner.
#
# Usage: bench/soak.sh [DURATION_SECONDS] [MOLTARENA_BINARY]
#        (defaults: 120; $MOLTARENA_BIN, else the debug build's)
# Exit status: 0 when the owners gauge returns to 0 and RSS grew less than 10 % after warm-up
# (failed rounds are reported, with the bench's report on stderr, but do not fail the soak).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
DURATION="${1:-120}"
BIN="${2:-${MOLTARENA_BIN:-$(swift build --show-bin-path)/moltarena}}"
[ -x "$BIN" ] || { echo "bench/soak.sh: no binary at $BIN (build first)" >&2; exit 2; }

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" serve --config bench/plugins.soak.conf --db "$WORK/soak.sqlite" --port 0 --log-level warning \
  --max-connections-per-address 0 --max-handshakes-per-address-per-second 0 > "$WORK/serve.out" 2> "$WORK/serve.err" &
SERVER_PID=$!
URL=""
for _ in $(seq 300); do
  URL="$(sed -n -E 's#^listening on (http://[^ ]+)$#\1#p' "$WORK/serve.out" | head -1)"
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "bench/soak.sh: server exited:" >&2; cat "$WORK/serve.err" >&2; exit 1; }
  sleep 0.1
done
[ -n "$URL" ] || { echo "bench/soak.sh: no 'listening on' line within 30 s" >&2; exit 1; }

rss_kib() { sed -n -E 's/^VmRSS:[[:space:]]+([0-9]+) kB/\1/p' "/proc/$SERVER_PID/status"; }
owned() { curl -s "$URL/metrics" | sed -n -E 's/^moltarena_battles_owned ([0-9.e+]+)$/\1/p' | head -1; }

# Samples every 2 s into samples.tsv: seconds since start, RSS in KiB, battles owned.
START=$(date +%s)
( while kill -0 "$SERVER_PID" 2>/dev/null; do
    printf '%s\t%s\t%s\n' "$(( $(date +%s) - START ))" "$(rss_kib)" "$(owned)" >> "$WORK/samples.tsv"
    sleep 2
  done ) &
SAMPLER=$!

ROUNDS=0; BATTLES=0; FAILURES=0; CONNECTS=0
while [ $(( $(date +%s) - START )) -lt "$DURATION" ]; do
  ROUNDS=$((ROUNDS + 1))
  # Battles back to back: 10 battles of 2 rounds, 20 spectators joining and leaving each.
  if timeout 120 "$BIN" bench battle "$URL" --spectators 20 --rounds 2 --battles 10 --duration 30 --json > "$WORK/battle.json" \
    && python3 -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r['endedBy']=='battles' and r['lostTurns']==0 and r['submitErrors']==0 else 1)" "$WORK/battle.json"; then
    BATTLES=$((BATTLES + 10))
  else
    FAILURES=$((FAILURES + 1))
    echo "bench/soak.sh: battle round $ROUNDS failed: $(python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print({k: r.get(k) for k in ('endedBy','battlesPlayed','turnsAccepted','lostTurns','submitErrors')})" "$WORK/battle.json" 2>/dev/null)" >&2
  fi
  # Connect/disconnect churn: 300 clients connect, join the room of the round's last battle
  # (finished: its owner is taken again, then released when they have gone) and go.
  ROOM="$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['battleIds'][-1])" "$WORK/battle.json" 2>/dev/null || echo none)"
  if timeout 60 "$BIN" bench connect "$URL" --room "$ROOM" --clients 300 --concurrency 50 --json > "$WORK/connect.json"; then
    CONNECTS=$((CONNECTS + 300))
  else
    FAILURES=$((FAILURES + 1)); echo "bench/soak.sh: connect round $ROUNDS failed" >&2
  fi
done
END=$(( $(date +%s) - START ))
# Finished battles with nobody left in their rooms release their owners (presence is reported
# and paced over a second or two).
# (The gauge is a float: "0.0".)
is_zero() { awk -v v="$1" 'BEGIN { exit !(v != "" && v + 0 == 0) }'; }
for _ in $(seq 30); do is_zero "$(owned)" && break; sleep 1; done
FINAL_OWNED="$(owned)"
kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true
printf '%s\t%s\t%s\n' "$END" "$(rss_kib)" "$FINAL_OWNED" >> "$WORK/samples.tsv"

python3 - "$WORK/samples.tsv" "$DURATION" "$ROUNDS" "$BATTLES" "$CONNECTS" "$FAILURES" "$FINAL_OWNED" <<'PY'
import sys
path, duration, rounds, battles, connects, failures, final_owned = sys.argv[1:]
rows = [line.rstrip("\n").split("\t") for line in open(path) if line.strip()]
samples = [(int(t), int(r), o) for t, r, o in rows if r]
warm = [s for s in samples if s[0] >= int(duration) / 3] or samples
first, last = warm[0][1], samples[-1][1]
peak = max(s[1] for s in warm)
growth = (last - first) / first * 100 if first else 0.0
print(f"soak: {duration} s, {rounds} rounds, {battles} battles, {connects} connect/disconnects, {failures} failed rounds")
print("t (s)\tRSS (MiB)\tbattles owned")
step = max(len(samples) // 12, 1)
for t, r, o in samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else []):
    print(f"{t}\t{r / 1024:.1f}\t{o}")
print(f"after warm-up (t >= {int(duration) // 3} s): RSS {first / 1024:.1f} -> {last / 1024:.1f} MiB ({growth:+.1f} %), peak {peak / 1024:.1f} MiB")
print(f"battles owned at the end: {final_owned}")
flat = growth < 10
released = final_owned != "" and float(final_owned) == 0
print(f"memory flat after warm-up: {'yes' if flat else 'NO'}; finished battles released their owners: {'yes' if released else 'NO'}")
sys.exit(0 if flat and released else 1)
PY
