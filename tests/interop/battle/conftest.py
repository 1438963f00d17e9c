"""Fixtures for the end-to-end battle tests against `moltarena serve` (Turns and Voting).

Each plugins file in conf/ gets one server for the session (started when a test first needs
it), with a fresh SQLite file and `--port 0`. Agents and battles are made with the CLI
(`moltarena agents create`, `moltarena battles create`) on that database while the server runs;
every test makes its own agents, so turn and vote rate limits never carry over. The servers
and the CLI run a private copy of the binary taken when the session starts, so a rebuild in
the working tree meanwhile disturbs neither.

  MOLTARENA_BIN            the binary (default: .build/debug/moltarena; a relative path is
                           taken from the repository root)
  MOLTARENA_START_TIMEOUT  seconds to wait for the `listening on` line (default 60)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent):  # battle_support.py; serve_process.py and support.py
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from battle_support import CONF_DIR, Arena, Clients, snapshot_binary  # noqa: E402


class Arenas:
    """One running Arena per plugins file in conf/, started on first use."""

    def __init__(self, tmp_path_factory):
        self.tmp_path_factory = tmp_path_factory
        self.running: dict[str, Arena] = {}
        self.exe = snapshot_binary(tmp_path_factory.mktemp("bin"))

    def __call__(self, name: str) -> Arena:
        if name not in self.running:
            config = CONF_DIR / f"{name}.conf"
            assert config.exists(), config
            workdir = self.tmp_path_factory.mktemp(f"arena-{name}")
            self.running[name] = Arena(config, workdir, self.exe).start()
        self.running[name].check_alive()
        return self.running[name]


@pytest.fixture(scope="session")
def arenas(tmp_path_factory):
    """Factory: arenas("turns") -> the Arena running conf/turns.conf (one per session)."""
    all_arenas = Arenas(tmp_path_factory)
    yield all_arenas
    for arena in all_arenas.running.values():
        arena.close()


@pytest.fixture(autouse=True)
def _arenas_still_alive(request):
    """Every test ends with the servers it started or used still running."""
    yield
    if "arenas" not in request.fixturenames:
        return
    for arena in request.getfixturevalue("arenas").running.values():
        arena.check_alive()


@pytest.fixture
def clients():
    """Factory for Socket.IO clients (see battle_support.Clients); all closed at the end."""
    made = Clients()
    yield made
    made.close()
