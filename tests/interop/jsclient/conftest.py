"""Fixtures for the tests with the official JavaScript client (socket.io-client 4.8.3, built for
Node.js in ../shared/clients/socket.io-client) against `moltarena serve`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent, HERE.parent / "battle"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from battle_support import Arena, CONF_DIR, snapshot_binary  # noqa: E402
from js_client import JSClient  # noqa: E402


@pytest.fixture(scope="module")
def arena(tmp_path_factory):
    exe = snapshot_binary(tmp_path_factory.mktemp("bin"))
    server = Arena(CONF_DIR / "turns.conf", tmp_path_factory.mktemp("arena"), exe).start()
    yield server
    server.close()


@pytest.fixture
def js_clients(tmp_path):
    """Factory: js_clients(url, token=None, transport="default", extra_env=None) -> a connected
    JSClient."""
    made: list[JSClient] = []

    def make(url: str, token: str | None = None, transport: str = "default",
             extra_env: dict[str, str] | None = None) -> JSClient:
        client = JSClient(url, token, transport, tmp_path / f"js-{len(made)}.log", extra_env).start()
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
