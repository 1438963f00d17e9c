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
import queue
import re
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from support import Peer

REPO_ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"^listening on (https?://\S+)\s*$")

TRANSPORTS = {
    "polling-upgrade": None,  # the clients' default: long-polling, then upgrade
    "websocket": ["websocket"],
    "polling": ["polling"],
}


class ServerProcess:
    """A `moltarena conformance-server` child process (or an external server)."""

    def __init__(self, url: str, proc: subprocess.Popen | None, log_path: Path | None):
        self.url = url
        self.proc = proc
        self.log_path = log_path
        self.started_here = proc is not None

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no server log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:]) or "(server log is empty)"

    def died(self) -> str | None:
        if self.proc is None or self.proc.poll() is None:
            return None
        return (f"the server exited with status {self.proc.returncode}; "
                f"last lines of its output:\n{self.log_tail()}")


def _binary() -> Path:
    raw = os.environ.get("MOLTARENA_BIN") or ".build/debug/moltarena"
    path = Path(raw)
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


def _start_server(log_path: Path) -> ServerProcess:
    binary = _binary()
    if not binary.exists():
        pytest.fail(f"server binary not found: {binary} (run `swift build` first, "
                    f"set MOLTARENA_BIN, or set MOLTARENA_URL to a running server)",
                    pytrace=False)
    timeout = float(os.environ.get("MOLTARENA_START_TIMEOUT", "60"))
    cmd = [str(binary), "conformance-server", "--host", "127.0.0.1", "--port", "0",
           "--ping-interval-ms", "2000", "--ping-timeout-ms", "2000"]
    log = open(log_path, "w", buffering=1)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True,
                            cwd=REPO_ROOT, start_new_session=True)
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        # Hand the stdout lines to the waiting fixture, keep them in the log, and
        # keep draining so that the server never blocks on a full pipe.
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
            log.write("[stdout] " + line)
        lines.put(None)

    threading.Thread(target=pump, name="server-stdout", daemon=True).start()

    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            _stop(proc)
            pytest.fail(f"`{' '.join(cmd)}` printed no `listening on http://HOST:PORT` line "
                        f"within {timeout:.0f} s; stdout so far: {seen!r}\n"
                        f"server output:\n{ServerProcess('', None, log_path).log_tail()}",
                        pytrace=False)
        try:
            line = lines.get(timeout=min(remaining, 0.5))
        except queue.Empty:
            continue
        if line is None:
            proc.wait(timeout=5)
            pytest.fail(f"`{' '.join(cmd)}` exited with status {proc.returncode} before "
                        f"printing `listening on ...`; stdout: {seen!r}\nserver output:\n"
                        f"{ServerProcess('', None, log_path).log_tail()}", pytrace=False)
        seen.append(line.rstrip("\n"))
        match = LISTENING.match(line)
        if match:
            url = match.group(1).rstrip("/")
            if url.endswith(":0"):
                _stop(proc)
                pytest.fail(f"the server announced port 0 instead of the real one: {line!r}",
                            pytrace=False)
            return ServerProcess(url, proc, log_path)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def server():
    """The server under test, started once for the whole session."""
    external = os.environ.get("MOLTARENA_URL")
    if external:
        yield ServerProcess(external.rstrip("/"), None, None)
        return
    with tempfile.TemporaryDirectory(prefix="moltarena-interop-") as tmp:
        srv = _start_server(Path(tmp) / "server.log")
        try:
            yield srv
        finally:
            if srv.proc is not None:
                died = srv.died()
                _stop(srv.proc)
                if died:
                    print("\n" + died)


@pytest.fixture(scope="session")
def server_url(server) -> str:
    return server.url


@pytest.fixture(autouse=True)
def _server_still_alive(request):
    """Every test ends with the server process still running."""
    yield
    if "server" not in request.fixturenames:
        return
    srv = request.getfixturevalue("server")
    died = srv.died()
    if died:
        pytest.fail(died, pytrace=False)


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
    # Disconnect them all at once: a polling client's disconnect waits for its
    # pending GET to be answered.
    closers = [threading.Thread(target=_quiet_disconnect, args=(p,)) for p in made]
    for t in closers:
        t.start()
    for t in closers:
        t.join(timeout=15)


def _quiet_disconnect(peer: Peer) -> None:
    try:
        peer.disconnect()
    except Exception:  # a test may have left it half-closed
        pass
