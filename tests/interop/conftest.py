"""Fixtures for the Python interop suite.

The suite talks to a `moltarena conformance-server` with unmodified third-party
clients (python-socketio 5.x, websocket-client) and the standard library.

Which server:
  MOLTARENA_URL   use an already-running server at this URL (nothing is started)
  MOLTARENA_BIN   the binary to start (default: .build/debug/moltarena; a relative
                  path is taken from the repository root)
  MOLTARENA_START_TIMEOUT  seconds to wait for the `listening on` line (default 60)

The started server gets a 2 s ping interval and timeout, so that the heartbeat
does not flap on a loaded machine.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from serve_process import REPO_ROOT, ServerProcess, binary
from support import Peer, disconnect_all

TRANSPORTS = {
    "polling-upgrade": None,  # the clients' default: long-polling, then upgrade
    "websocket": ["websocket"],
    "polling": ["polling"],
}


@pytest.fixture(scope="session")
def server():
    """The server under test, started once for the whole session."""
    external = os.environ.get("MOLTARENA_URL")
    if external:
        yield ServerProcess.external(external)
        return
    exe = binary(or_else=", or set MOLTARENA_URL to a running server")
    with tempfile.TemporaryDirectory(prefix="moltarena-interop-") as tmp:
        srv = ServerProcess("`moltarena conformance-server`", Path(tmp) / "server.log")
        srv.launch([str(exe), "conformance-server", "--host", "127.0.0.1", "--port", "0",
                    "--ping-interval-ms", "2000", "--ping-timeout-ms", "2000"], cwd=REPO_ROOT)
        try:
            yield srv
        finally:
            srv.close()


@pytest.fixture(scope="session")
def server_url(server) -> str:
    return server.url


@pytest.fixture(autouse=True)
def _server_still_alive(request):
    """Every test ends with the server process still running."""
    yield
    if "server" not in request.fixturenames:
        return
    request.getfixturevalue("server").check_alive()


@pytest.fixture(params=list(TRANSPORTS), ids=list(TRANSPORTS))
def transports(request):
    """Transports for python-socketio's connect(): default, WebSocket only, polling only."""
    return TRANSPORTS[request.param]


@pytest.fixture
def peers(server_url, transports):
    """Factory: peers(n=1, **Peer kwargs) -> connected Peer(s); all disconnected at the end."""
    made: list[Peer] = []

    def make(n: int = 1, connect: bool = True, auth=None, **kwargs):
        out = []
        for _ in range(n):
            peer = Peer(server_url, transports, **kwargs)
            made.append(peer)
            if connect:
                peer.connect(auth=auth)
            out.append(peer)
        return out[0] if n == 1 else out

    yield make
    disconnect_all(made)
