#!/usr/bin/env bash
# scripts/serve.sh - run `moltarena serve` (SQLite in the current directory, no Redis) on a fresh
# Debian machine with the Swift toolchain: installs the one C library the build needs and the
# toolchain image lacks (libhiredis-dev, the Redis adapter's RESP reader) when it is missing,
# then builds and runs the server. Arguments go to `moltarena serve`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ ! -e /usr/include/hiredis/hiredis.h ]; then
  echo "serve.sh: installing libhiredis-dev (needed to build)" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -q >/dev/null && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q libhiredis-dev >/dev/null
fi
exec swift run moltarena serve "$@"
