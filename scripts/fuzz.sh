#!/usr/bin/env bash
# scripts/fuzz.sh - build the libFuzzer targets (fuzz/) and run each for a bounded time.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS  how long each target runs (default 30)
#   TARGET   engineio socketio json websocket plugins-conf (default: all)
#
# The targets are a separate package (fuzz/Package.swift) that depends on this one by path, built
# with `-sanitize=fuzzer,address` into fuzz/.build; the main package's `swift build` and
# `swift test` never see them. Each run starts from the seed corpus checked in under
# fuzz/corpus/TARGET/ plus what earlier runs here found (fuzz/.build/corpus/TARGET/, not
# committed). A crash, a failed check in a target, an ASan report, an input that takes over 10
# seconds or more than 2 GB fails the run; the input is saved as fuzz/.build/artifacts/TARGET/crash-*
# (until the next run of that target) and the script prints how to replay it. Fix the bug, then
# add the input to a regression test under Tests/.
#
# Environment:
#   FUZZ_SANITIZERS  what -sanitize= gets (default fuzzer,address)
#   FUZZ_JOBS        swift build -j (default: SwiftPM's)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
ALL=(engineio socketio json websocket plugins-conf)
DEFAULT=("${ALL[@]}")

SECONDS_EACH=30
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then SECONDS_EACH="$1"; shift; fi
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${DEFAULT[@]}")
for t in "${TARGETS[@]}"; do
  case " ${ALL[*]} " in *" $t "*) ;; *) echo "fuzz.sh: unknown target '$t' (${ALL[*]})" >&2; exit 2 ;; esac
done

SANITIZERS="${FUZZ_SANITIZERS:-fuzzer,address}"
BUILD_ARGS=(--package-path fuzz -Xswiftc "-sanitize=$SANITIZERS")
[ -n "${FUZZ_JOBS:-}" ] && BUILD_ARGS+=(-j "$FUZZ_JOBS")

echo "fuzz.sh: building the fuzz targets (swift build ${BUILD_ARGS[*]})"
# SwiftPM keeps its build plan while fuzz/Package.swift is unchanged, and so misses a source file
# added, renamed or removed in the main package (a dependency by path here): drop the plan, which
# costs a second, so that it is made anew from the sources as they are.
rm -f fuzz/.build/debug.yaml fuzz/.build/*/debug/description.json
set +e
swift build "${BUILD_ARGS[@]}" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] |Cannot export local symbol'
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || { echo "fuzz.sh: the build of the fuzz targets failed (exit $rc)" >&2; exit 1; }
BIN_DIR="$(swift build "${BUILD_ARGS[@]}" --show-bin-path)"
for t in "${TARGETS[@]}"; do
  [ -x "$BIN_DIR/fuzz-$t" ] || { echo "fuzz.sh: the build failed: no $BIN_DIR/fuzz-$t" >&2; exit 1; }
done

# libFuzzer saves a crashing input only if it handles the signal itself: keep the Swift runtime's
# backtracer out of its way.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}"

LOG_DIR="$ROOT/fuzz/.build/logs"
mkdir -p "$LOG_DIR"
passed=0; failed=0
summary=()
for t in "${TARGETS[@]}"; do
  work="$ROOT/fuzz/.build/corpus/$t"
  artifacts="$ROOT/fuzz/.build/artifacts/$t"
  rm -rf "$artifacts"   # what an earlier run saved goes: what is there after this run is this run's
  mkdir -p "$work" "$artifacts"
  log="$LOG_DIR/$t.log"
  echo
  echo "==== fuzz-$t: ${SECONDS_EACH}s from fuzz/corpus/$t ($(ls "fuzz/corpus/$t" | wc -l) seeds) ===="
  set +e
  # New inputs go to the work folder only; the checked-in seeds stay as they are.
  timeout $((SECONDS_EACH + 120)) "$BIN_DIR/fuzz-$t" \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" \
    "$work" "fuzz/corpus/$t" > "$log" 2>&1
  rc=$?
  set -e
  # (A run that crashed on a seed has printed no coverage line: nothing here may fail the script.)
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1 || true)"
  cov="$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | sed 's/cov: //' || true)"
  corpus="$(find "$work" -type f | wc -l)"
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    line="fuzz-$t ok: ${execs:-?} executions in ${SECONDS_EACH}s (${rate:-?}/s), coverage ${cov:-?}, corpus $corpus"
  else
    failed=$((failed + 1))
    crash="$(ls -t "$artifacts" 2>/dev/null | head -1 || true)"
    line="fuzz-$t FAILED (exit $rc) after ${execs:-?} executions${crash:+; input: fuzz/.build/artifacts/$t/$crash}"
    grep -E 'Fatal error|Precondition failed|ERROR: (AddressSanitizer|libFuzzer)|SUMMARY|deadly signal|timeout' "$log" | head -10 || true
    tail -30 "$log"
    if [ -n "$crash" ]; then echo "replay: SWIFT_BACKTRACE=enable=no $BIN_DIR/fuzz-$t $artifacts/$crash"; fi
    echo "full log: $log"
  fi
  echo "$line"
  summary+=("$line")
done

echo
echo "==== fuzz summary ===="
printf '  %s\n' "${summary[@]}"
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
