"""Fixtures for the interop tests against `moltarena serve` (Connection and Battle plugins).

Each test module gets its own server with a fresh SQLite file (the repository's
plugins.conf, --port 0). Agents and battles are made with the CLI (`moltarena agents
create`, `moltarena battles create`) on the same database file while the server runs.
The tests also hold with later plugins enabled: a battle whose agents have both
joined starts, but nothing here waits for its countdown.

  MOLTARENA_BIN            the binary (default: .build/debug/moltarena; a relative
                           path is taken from the repository root)
  MOLTARENA_CONFIG         the plugins file (default: the repository's plugins.conf)
  MOLTARENA_START_TIMEOUT  seconds to wait for the `listening on` line (default 60)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent):  # serve_support.py; serve_process.py and support.py
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from serve_support import TRANSPORTS, Arena, ArenaPeer  # noqa: E402
from support import disconnect_all  # noqa: E402


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    """A `moltarena serve` with a fresh database, one per test module."""
    srv = Arena(tmp_path_factory.mktemp("arena")).start()
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture(autouse=True)
def _arena_still_alive(request):
    """Every test ends with its server still running."""
    yield
    if "arena" not in request.fixturenames:
        return
    request.getfixturevalue("arena").check_alive()


@pytest.fixture
def two_agents(arena):
    """Two fresh agents (so that rate limits and rooms never carry over between tests)."""
    return arena.create_agent(), arena.create_agent()


@pytest.fixture
def battle(arena, two_agents):
    """A fresh public battle in LOBBY between `two_agents`."""
    return arena.create_battle(list(two_agents))


@pytest.fixture(params=list(TRANSPORTS), ids=list(TRANSPORTS))
def transports(request):
    return TRANSPORTS[request.param]


@pytest.fixture
def clients(arena, transports):
    """Factory: clients(token=None, headers=None, auth=None, connect=True) -> ArenaPeer
    (`token` becomes the auth payload {"token": ...}); all are disconnected at the end."""
    made: list[ArenaPeer] = []

    def make(token: str | None = None, headers=None, auth=None,
             connect: bool = True) -> ArenaPeer:
        peer = ArenaPeer(arena.url, transports)
        made.append(peer)
        if connect:
            peer.connect(auth={"token": token} if token else auth, headers=headers)
        return peer

    yield make
    disconnect_all(made)
