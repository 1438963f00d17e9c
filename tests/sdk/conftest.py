"""Fixtures of the SDK tests: the `moltarena` package (sdk/python) against a real `moltarena
serve`, started the way the interop suite starts it (tests/interop/serve_process.py and
tests/interop/battle/battle_support.py): a private copy of the binary, a fresh SQLite file,
the `listening on` line. Each server here keeps one port for its whole life, so that a server
killed and started again on the same database comes back where the SDK reconnects to.

  MOLTARENA_BIN            the binary (default: .build/debug/moltarena)
  MOLTARENA_START_TIMEOUT  seconds to wait for the `listening on` line (default 60)
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for folder in (HERE.parent / "interop", HERE.parent / "interop" / "battle"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from battle_support import Clients, FixedPortArena, snapshot_binary  # noqa: E402

CONF_DIR = HERE / "conf"


class Arenas:
    """One running server per plugins file in conf/, started on first use; `fresh(name)` gives
    a test a server of its own (for tests that crash or stop it)."""

    def __init__(self, tmp_path_factory):
        self.tmp_path_factory = tmp_path_factory
        self.running: dict[str, FixedPortArena] = {}
        self.own: list[FixedPortArena] = []
        self.exe = snapshot_binary(tmp_path_factory.mktemp("bin"))

    def _start(self, name: str) -> FixedPortArena:
        config = CONF_DIR / f"{name}.conf"
        assert config.exists(), config
        workdir = self.tmp_path_factory.mktemp(f"arena-{name}")
        return FixedPortArena(config, workdir, self.exe).start()

    def __call__(self, name: str) -> FixedPortArena:
        if name not in self.running:
            self.running[name] = self._start(name)
        self.running[name].check_alive()
        return self.running[name]

    def fresh(self, name: str) -> FixedPortArena:
        arena = self._start(name)
        self.own.append(arena)
        return arena

    def retire(self, arena: FixedPortArena) -> None:
        """Stops a server of `fresh()` for good (SIGTERM: a graceful shutdown)."""
        self.own.remove(arena)
        arena.stop()

    def close(self) -> None:
        for arena in [*self.running.values(), *self.own]:
            arena.close()


@pytest.fixture(scope="session")
def arenas(tmp_path_factory):
    """Factory: arenas("battles") -> the server running conf/battles.conf (one per session)."""
    all_arenas = Arenas(tmp_path_factory)
    yield all_arenas
    all_arenas.close()


@pytest.fixture(autouse=True)
def _arenas_still_alive(request):
    """Every test ends with the servers it used still running."""
    yield
    if "arenas" not in request.fixturenames:
        return
    found = request.getfixturevalue("arenas")
    for arena in [*found.running.values(), *found.own]:
        arena.check_alive()


@pytest.fixture
def sdk_clients():
    """Collects the SDK's Agents and Spectators of a test and stops them all at its end."""
    made: list = []
    yield made
    for client in made:
        client.stop()


@pytest.fixture
def clients():
    """The interop suite's raw python-socketio clients (battle_support.Client)."""
    made = Clients()
    yield made
    made.close()


@pytest.fixture(autouse=True)
def _sdk_logs(caplog):
    """The SDK's log (logger `moltarena`) in the report of a failed test."""
    caplog.set_level(logging.INFO, logger="moltarena")
