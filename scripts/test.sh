#!/usr/bin/env bash
# scripts/test.sh - build MoltArena and run every test suite. Installs no system package;
# creates the Python venv for the interop suite on first use.
#
# Usage: scripts/test.sh [STEP...]     STEP: format swift interop postgres sdk web bench protocol fuzz (default: all)
#
# Steps (the debug build comes first, unless MOLTARENA_BIN is set and the swift step is not run):
#   build     swift build --build-tests (debug: the binary and every test target, built once)
#   format    swift-format lint with .swift-format: no finding
#   swift     swift test --skip-build (XCTest and Swift Testing)
#   bench     bench/smoke.sh: every `moltarena bench` scenario briefly, correctness only
#   interop   tests/interop with the Python venv's pytest (python-socketio,
#             websocket-client against `moltarena conformance-server`), on SQLite
#   postgres  the same again on PostgreSQL (a throwaway cluster, scripts/postgres.sh): the
#             plugins' and runtime's Swift suites on a fresh schema per test runtime, the battle,
#             serve, official JS client and cluster interop suites on a fresh database per server, and
#             tests/interop/postgres (db copy from SQLite, PostgreSQL restarted mid-battle)
#   sdk       tests/sdk: the Python SDK (sdk/python, installed into the venv) against
#             `moltarena serve`: whole battles, rate limits, a crash mid-battle, every payload
#   web       tests/web: the spectator web app in headless Chromium (Selenium, Debian's
#             chromium and chromium-driver) against `moltarena serve`; screenshots in
#             .build/test-artifacts/
#   protocol  the official Engine.IO / Socket.IO protocol suites against
#             `moltarena conformance-server`, through ../shared/tools/protocol-suite.sh
#   fuzz      scripts/fuzz.sh: the libFuzzer targets of fuzz/ (Engine.IO and Socket.IO decoders,
#             JSON, WebSocket frames), each for FUZZ_SECONDS; any crash fails the step
#
# Environment:
#   VENV               Python venv with tests/interop/requirements.txt and, for the web step,
#                      tests/web/requirements.txt, for the sdk step tests/sdk/requirements.txt
#                      and the SDK itself (default .venv)
#   CHROMIUM_BIN, CHROMEDRIVER_BIN  the browser and its driver (default /usr/bin/chromium,
#                      /usr/bin/chromedriver)
#   MOLTARENA_BIN      server binary for interop/sdk/web/bench/protocol (default: the debug
#                      build's); with it set and no swift step, nothing is built
#   EIO_PROTOCOL_REPO  copy (checkout or bare git dir) of socketio/engine.io-protocol
#   SIO_PROTOCOL_REPO  copy of socketio/socket.io-protocol
#                      (default for both: a sibling folder of the repo of that name, else the
#                      copy in ../shared/protocol-suites/;
#                      a suite whose copy is not found is SKIPPED, unless REQUIRE_PROTOCOL_SUITES=1)
#   PROTOCOL_SUITE     the protocol suite runner (default ../shared/tools/protocol-suite.sh)
#   INSTALL_DEPS       passed to the runner: 1 lets it apt-get its Node packages (default 0)
#   REQUIRE_PROTOCOL_SUITES  1: a protocol suite with no copy or no runner FAILS instead of being skipped (.ci/run sets it)
#   FUZZ_SECONDS       how long each fuzz target runs (default 20; five targets)
#   MOLTARENA_TEST_POSTGRES_URL, MOLTARENA_TEST_POSTGRES_DIR  the PostgreSQL cluster the storage
#                      tests use (default: the swift step starts a throwaway one with
#                      scripts/postgres.sh in a temporary directory, and removes it after)
#   MOLTARENA_SKIP_POSTGRES  1: skip the storage tests' PostgreSQL half
#
# Full logs go to .build/test-logs/. Exit status: 0 only if no step failed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
LOGS="$ROOT/.build/test-logs"
mkdir -p "$LOGS"

STEPS=("$@")
[ ${#STEPS[@]} -gt 0 ] || STEPS=(format swift interop postgres sdk web bench protocol fuzz)
for s in "${STEPS[@]}"; do
  case "$s" in format|swift|interop|postgres|sdk|web|bench|protocol|fuzz) ;; *) echo "test.sh: unknown step '$s' (format swift interop postgres sdk web bench protocol fuzz)" >&2; exit 2 ;; esac
done
wants() { local s; for s in "${STEPS[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }

RESULTS=()   # "name|status|detail"
PASSED=0; FAILED=0; SKIPPED=0
record() { # name status detail
  RESULTS+=("$1|$2|${3:-}")
  case "$2" in
    ok) PASSED=$((PASSED + 1)) ;;
    FAILED) FAILED=$((FAILED + 1)) ;;
    SKIPPED) SKIPPED=$((SKIPPED + 1)) ;;
  esac
}
banner() { printf '\n==== %s ====\n' "$*"; }

# SwiftPM prints one "[n/m] Compiling ..." line per job: keep every 50th, and the
# latest one before any other line; everything else (diagnostics, test output)
# passes through.
squeeze_progress() {
  awk '/^\[[0-9]+\/[0-9]+\] / { n++; if (n % 50 == 1) { print; pending = ""; fflush() } else pending = $0; next }
       { if (pending != "") { print pending; pending = "" }; print; fflush() }
       END { if (pending != "") print pending }'
}

# --- build ------------------------------------------------------------------
BUILD_OK=0
if [ -n "${MOLTARENA_BIN:-}" ] && ! wants swift; then
  # A given binary and no Swift test to run: nothing needs the build.
  banner "swift build: skipped (MOLTARENA_BIN=$MOLTARENA_BIN)"
else
  banner "swift build (debug)"
  set +e
  timeout 2400 swift build --build-tests 2>&1 | tee "$LOGS/swift-build.log" | squeeze_progress
  rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -eq 0 ]; then
    BUILD_OK=1; record "swift build" ok
  else
    echo "test.sh: swift build failed (exit $rc); full log: .build/test-logs/swift-build.log" >&2
    record "swift build" FAILED "exit $rc"
  fi
fi

BIN="${MOLTARENA_BIN:-}"
if [ -z "$BIN" ] && [ "$BUILD_OK" = 1 ]; then
  BIN="$(swift build --show-bin-path)/moltarena"
fi

# --- PostgreSQL ---------------------------------------------------------------
# ensure_postgres: a throwaway PostgreSQL cluster (scripts/postgres.sh) for the steps that need
# one, started once and stopped when the script ends, unless MOLTARENA_TEST_POSTGRES_URL names one.
PG_TEST_DIR=""
stop_postgres() {
  [ -n "$PG_TEST_DIR" ] || return 0
  bash scripts/postgres.sh stop "$PG_TEST_DIR" >/dev/null 2>&1 || true
  rm -rf "$PG_TEST_DIR"
  PG_TEST_DIR=""
}
ensure_postgres() {
  [ -z "${MOLTARENA_TEST_POSTGRES_URL:-}" ] || return 0
  PG_TEST_DIR="$(mktemp -d /tmp/moltarena-postgres.XXXXXX)"
  trap stop_postgres EXIT
  if MOLTARENA_TEST_POSTGRES_URL="$(bash scripts/postgres.sh start "$PG_TEST_DIR")"; then
    export MOLTARENA_TEST_POSTGRES_URL MOLTARENA_TEST_POSTGRES_DIR="$PG_TEST_DIR"
    echo "test.sh: PostgreSQL for the tests at $MOLTARENA_TEST_POSTGRES_URL"
  else
    echo "test.sh: could not start PostgreSQL (scripts/postgres.sh): its tests will fail" >&2
    unset MOLTARENA_TEST_POSTGRES_URL
    return 1
  fi
}

# --- swift test -------------------------------------------------------------
if wants swift; then
  banner "swift test"
  if [ "$BUILD_OK" = 1 ]; then
    # The storage tests' PostgreSQL half: a throwaway cluster unless one is given (or skipped).
    [ "${MOLTARENA_SKIP_POSTGRES:-}" = 1 ] || ensure_postgres || true
    set +e
    timeout 1800 swift test --skip-build 2>&1 | tee "$LOGS/swift-test.log" | squeeze_progress
    rc=${PIPESTATUS[0]}
    set -e
    if [ "$rc" -eq 0 ]; then record "swift test" ok; else record "swift test" FAILED "exit $rc"; fi
  else
    echo "test.sh: not run: the build failed"
    record "swift test" FAILED "not run: build failed"
  fi
fi

# --- source layout ----------------------------------------------------------
if wants format; then
  banner "swift-format lint (.swift-format)"
  if command -v swift-format >/dev/null 2>&1; then
    swift-format lint --configuration .swift-format -r Sources Tests Package.swift > "$LOGS/format.log" 2>&1 || true
    if [ -s "$LOGS/format.log" ]; then
      head -20 "$LOGS/format.log"
      echo "test.sh: format: $(wc -l < "$LOGS/format.log") findings; apply with: swift-format format --configuration .swift-format -r Sources Tests Package.swift -i"
      record "format" FAILED "$(wc -l < "$LOGS/format.log") findings"
    else
      record "format" ok
    fi
  else
    echo "test.sh: SKIPPED: swift-format is not on PATH (it ships with the Swift toolchain)"
    record "format" SKIPPED "no swift-format"
  fi
fi

# --- python venv ---------------------------------------------------------------
VENV="${VENV:-.venv}"
# ensure_venv REQUIREMENTS [INCLUDED...]: makes the venv on first use, and installs REQUIREMENTS
# from PyPI whenever it (or a file it includes with -r) changed since the last install, so that a
# requirement added to the repository reaches an existing venv too.
ensure_venv() {
  local stamp="$VENV/.installed-$(echo "$1" | tr '/' '_')"
  if [ ! -e "$VENV" ]; then
    echo "test.sh: creating $VENV"
    python3 -m venv "$VENV" || { echo "test.sh: could not create $VENV (python3-venv installed?)" >&2; return 0; }
  fi
  if [ ! -e "$stamp" ] || [ -n "$(find "$@" -newer "$stamp" 2>/dev/null)" ]; then
    echo "test.sh: installing $1 into $VENV"
    if "$VENV/bin/pip" install -q --disable-pip-version-check -r "$1"; then touch "$stamp"
    else echo "test.sh: could not install $1 into $VENV (PyPI reachable?)" >&2; fi
  fi
}

# run_pytest STEP DIR NOTE [PYTEST ARGS...]: runs the suite in DIR against $BIN and records
# STEP with pytest's counts (and NOTE when it passed). Its log is .build/test-logs/STEP.log.
run_pytest() {
  local step="$1" dir="$2" note="$3" rc counts
  shift 3
  if [ -z "$BIN" ]; then
    echo "test.sh: not run: the build failed"
    record "$step" FAILED "not run: build failed"
    return
  fi
  set +e
  MOLTARENA_BIN="$BIN" timeout 900 "$VENV/bin/pytest" "$dir" -q "$@" 2>&1 | tee "$LOGS/$step.log"
  rc=${PIPESTATUS[0]}
  set -e
  counts="$(grep -E '^(=+ )?[0-9]+ (passed|failed|error)' "$LOGS/$step.log" | tail -1 | sed -E 's/=//g; s/^ +| +$//g')"
  case "$rc" in
    0) record "$step" ok "$counts$note" ;;
    5) record "$step" FAILED "pytest collected no tests" ;;
    *) record "$step" FAILED "${counts:-pytest exit $rc}" ;;
  esac
}

# --- python interop suite ---------------------------------------------------
if wants interop; then
  banner "python interop suite (tests/interop)"
  ensure_venv tests/interop/requirements.txt
  if [ ! -x "$VENV/bin/pytest" ]; then
    echo "test.sh: FAILED: no pytest in $VENV; create the venv with:" >&2
    echo "  python3 -m venv $VENV && $VENV/bin/pip install -r tests/interop/requirements.txt" >&2
    echo "  (.ci/run does this)" >&2
    record "interop" FAILED "no venv at $VENV"
  else
    run_pytest interop tests/interop "" --ignore tests/interop/postgres
  fi
fi

# --- everything that stores, again on PostgreSQL -----------------------------------
if wants postgres; then
  banner "the suites again on PostgreSQL"
  if ensure_postgres; then
    if [ "$BUILD_OK" = 1 ]; then
      set +e
      # The suites whose tests run a runtime on a database; the storage contract (ArenaStorageTests)
      # already ran on both in the swift step, and restarts the cluster, so it is not run here; nor
      # are the providers' tests of real timeouts (no database in them, and wall-clock bounds that
      # a loaded machine stretches: they ran in the swift step).
      MOLTARENA_TEST_ON_POSTGRES=1 timeout 1800 swift test --skip-build \
        --filter "ConnectionPluginTests|BattlePluginTests|TurnsPluginTests|VotingPluginTests|MCPPluginTests|RuntimeTests|MoltArenaClientTests|BenchPluginTests" \
        --skip "FallbackTests|EspeakSynthesizerTests" \
        2>&1 | tee "$LOGS/swift-test-postgres.log" | squeeze_progress
      rc=${PIPESTATUS[0]}
      set -e
      if [ "$rc" -eq 0 ]; then record "swift test on PostgreSQL" ok; else record "swift test on PostgreSQL" FAILED "exit $rc"; fi
    else
      record "swift test on PostgreSQL" FAILED "not run: build failed"
    fi
    ensure_venv tests/interop/requirements.txt
    MOLTARENA_TEST_ON_POSTGRES=1 run_pytest interop-postgres tests/interop/battle "" tests/interop/serve tests/interop/jsclient tests/interop/cluster tests/interop/postgres
  else
    record "postgres" FAILED "no PostgreSQL server"
  fi
fi

# --- the Python SDK -------------------------------------------------------------
if wants sdk; then
  banner "python SDK (sdk/python against tests/sdk)"
  ensure_venv tests/sdk/requirements.txt tests/interop/requirements.txt
  # The SDK as its users get it (`pip install ./sdk/python`), again on every run: it is small,
  # and a stale copy in the venv would test yesterday's code.
  installed=0
  if [ -x "$VENV/bin/pip" ] && "$VENV/bin/pip" install -q --disable-pip-version-check ./sdk/python; then
    installed=1
  fi
  rm -rf sdk/python/build sdk/python/moltarena.egg-info
  if [ "$installed" = 0 ]; then
    echo "test.sh: FAILED: could not install ./sdk/python into $VENV (PyPI reachable?)" >&2
    record "sdk" FAILED "could not install ./sdk/python"
  elif ! "$VENV/bin/python" -c "import moltarena, pytest" >/dev/null 2>&1; then
    echo "test.sh: FAILED: the SDK or pytest missing from $VENV; install with:" >&2
    echo "  $VENV/bin/pip install -r tests/sdk/requirements.txt ./sdk/python   (.ci/run does this)" >&2
    record "sdk" FAILED "no SDK in $VENV"
  else
    run_pytest sdk tests/sdk ""
  fi
fi

# --- the web app in a browser -------------------------------------------------
if wants web; then
  banner "web app in headless Chromium (tests/web)"
  ensure_venv tests/web/requirements.txt tests/interop/requirements.txt
  CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"
  CHROMEDRIVER_BIN="${CHROMEDRIVER_BIN:-/usr/bin/chromedriver}"
  if ! "$VENV/bin/python" -c "import selenium, socketio, pytest" >/dev/null 2>&1; then
    echo "test.sh: FAILED: selenium or python-socketio missing from $VENV; install with:" >&2
    echo "  $VENV/bin/pip install -r tests/web/requirements.txt   (.ci/run does this)" >&2
    record "web" FAILED "no selenium in $VENV"
  elif [ ! -x "$CHROMIUM_BIN" ] || [ ! -x "$CHROMEDRIVER_BIN" ]; then
    echo "test.sh: FAILED: no browser: $CHROMIUM_BIN and $CHROMEDRIVER_BIN are needed;" >&2
    echo "  on Debian: apt-get install -y chromium chromium-driver   (.ci/run does this)" >&2
    record "web" FAILED "no chromium or chromedriver"
  else
    export CHROMIUM_BIN CHROMEDRIVER_BIN
    run_pytest web tests/web "; screenshots in .build/test-artifacts/" -s
  fi
fi

# --- load generator smoke run -------------------------------------------------
if wants bench; then
  banner "moltarena bench smoke run (correctness only, never speed)"
  if [ -z "$BIN" ]; then
    echo "test.sh: not run: the build failed"
    record "bench smoke" FAILED "not run: build failed"
  else
    set +e
    timeout 300 bash bench/smoke.sh "$BIN" 2>&1 | tee "$LOGS/bench-smoke.log"
    rc=${PIPESTATUS[0]}
    set -e
    if [ "$rc" -eq 0 ]; then record "bench smoke" ok; else record "bench smoke" FAILED "exit $rc"; fi
  fi
fi

# --- official protocol suites -----------------------------------------------
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap 'stop_server; stop_postgres' EXIT

start_server() { # sets SERVER_URL, or returns 1
  local out="$LOGS/conformance-server.out" err="$LOGS/conformance-server.log"
  : > "$out"
  "$BIN" conformance-server --host 127.0.0.1 --port 0 > "$out" 2> "$err" &
  SERVER_PID=$!
  SERVER_URL=""
  for _ in $(seq 600); do   # 60 s
    SERVER_URL="$(sed -n -E 's#^listening on (https?://[^ ]+)$#\1#p' "$out" | head -1)"
    [ -n "$SERVER_URL" ] && return 0
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "test.sh: conformance-server exited before printing 'listening on'; its output:" >&2
      tail -20 "$out" "$err" >&2
      SERVER_PID=""; return 1
    fi
    sleep 0.1
  done
  echo "test.sh: conformance-server printed no 'listening on' line within 60 s" >&2
  stop_server; return 1
}

find_repo() { # env value, sibling name
  if [ -n "$1" ]; then echo "$1"; return; fi
  if [ -e "../$2" ]; then (cd "../$2" && pwd); return; fi
  # The copies the shared folder keeps next to the repository.
  if [ -e "../shared/protocol-suites/$2" ]; then (cd "../shared/protocol-suites/$2" && pwd); fi
}

if wants protocol; then
  RUNNER="${PROTOCOL_SUITE:-../shared/tools/protocol-suite.sh}"
  EIO_REPO="$(find_repo "${EIO_PROTOCOL_REPO:-}" engine.io-protocol)"
  SIO_REPO="$(find_repo "${SIO_PROTOCOL_REPO:-}" socket.io-protocol)"
  for suite in engineio socketio; do
    banner "official $suite protocol suite"
    if [ "$suite" = engineio ]; then repo="$EIO_REPO"; var=EIO_PROTOCOL_REPO; upstream=engine.io-protocol
    else repo="$SIO_REPO"; var=SIO_PROTOCOL_REPO; upstream=socket.io-protocol; fi
    # CI (REQUIRE_PROTOCOL_SUITES=1, set by .ci/run) fails rather than skips a suite it cannot find.
    missing=SKIPPED; [ "${REQUIRE_PROTOCOL_SUITES:-0}" = 1 ] && missing=FAILED
    if [ -z "$repo" ]; then
      echo "!!!! $missing: $suite protocol suite: no copy of socketio/$upstream"
      echo "!!!! (set $var to a checkout or bare git dir of it, or put it at ../$upstream)"
      record "$suite suite" "$missing" "no copy of socketio/$upstream"
      continue
    fi
    if [ ! -f "$RUNNER" ]; then
      echo "!!!! $missing: $suite protocol suite: runner $RUNNER not found (set PROTOCOL_SUITE)"
      record "$suite suite" "$missing" "no runner"
      continue
    fi
    if [ -z "$BIN" ]; then
      echo "test.sh: not run: the build failed"
      record "$suite suite" FAILED "not run: build failed"
      continue
    fi
    if ! start_server; then
      record "$suite suite" FAILED "conformance-server did not start"
      continue
    fi
    set +e
    EIO_PROTOCOL_REPO="$EIO_REPO" SIO_PROTOCOL_REPO="$SIO_REPO" INSTALL_DEPS="${INSTALL_DEPS:-0}" \
      timeout 900 bash "$RUNNER" "$suite" "$SERVER_URL" 2>&1 | tee "$LOGS/protocol-$suite.log"
    rc=${PIPESTATUS[0]}
    set -e
    stop_server
    counts="$(grep -E "^$suite: [0-9]+ passed" "$LOGS/protocol-$suite.log" | tail -1 | sed "s/^$suite: //")"
    if [ "$rc" -eq 0 ]; then record "$suite suite" ok "$counts"
    else record "$suite suite" FAILED "${counts:-runner exit $rc}"; fi
  done
fi

# --- fuzzing ----------------------------------------------------------------
if wants fuzz; then
  FUZZ_SECONDS="${FUZZ_SECONDS:-20}"
  banner "fuzz targets, ${FUZZ_SECONDS} s each (scripts/fuzz.sh)"
  set +e
  # The bound covers the fuzz package's own build (its first one builds the dependencies again,
  # instrumented) and the runs.
  timeout 2400 bash scripts/fuzz.sh "$FUZZ_SECONDS" 2>&1 | tee "$LOGS/fuzz.log"
  rc=${PIPESTATUS[0]}
  set -e
  execs="$(grep -oE '^fuzz-[a-z-]+ ok: [0-9]+ executions' "$LOGS/fuzz.log" | awk '{ n += $3 } END { print n + 0 }')"
  if [ "$rc" -eq 0 ]; then record "fuzz" ok "$execs executions, no crash"
  else record "fuzz" FAILED "$(grep -E '^fuzz: [0-9]+ passed' "$LOGS/fuzz.log" | tail -1 || echo "exit $rc")"; fi
fi

# --- summary ----------------------------------------------------------------
banner "summary"
for r in "${RESULTS[@]}"; do
  IFS='|' read -r name status detail <<< "$r"
  printf '  %-16s %-8s %s\n' "$name" "$status" "$detail"
done
echo "steps: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
