"""The server under test as a child process, shared by the interop suites: the binary, a
process that announces itself with a `listening on http://HOST:PORT` line, and
`moltarena serve` with its database and CLI.

  MOLTARENA_BIN            the binary (default: .build/debug/moltarena; a relative path is
                           taken from the repository root)
  MOLTARENA_START_TIMEOUT  seconds to wait for the `listening on` line (default 60)
  MOLTARENA_TEST_POSTGRES_URL  a PostgreSQL server (postgres://USER@HOST:PORT/DB)
  MOLTARENA_TEST_ON_POSTGRES   1: the servers under test run on a fresh database of that server
                           instead of a SQLite file
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"^listening on (https?://\S+)\s*$")
CLI_TIMEOUT = 30.0


def binary(or_else: str = "") -> Path:
    """The moltarena binary (MOLTARENA_BIN); fails the test if it is missing. `or_else` adds
    a way around it to the message (", or set X")."""
    path = Path(os.environ.get("MOLTARENA_BIN") or ".build/debug/moltarena")
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not path.exists():
        pytest.fail(f"server binary not found: {path} (run `swift build` first, set "
                    f"MOLTARENA_BIN{or_else})", pytrace=False)
    return path


class ServerProcess:
    """A server child process (or an external server, with no process and no log).

    `label` names it in every message, e.g. "`moltarena serve --config turns.conf`".
    """

    def __init__(self, label: str, log_path: Path | None):
        self.label = label
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None
        self.url = ""

    @classmethod
    def external(cls, url: str) -> "ServerProcess":
        srv = cls(f"the server at {url}", None)
        srv.url = url.rstrip("/")
        return srv

    @property
    def started_here(self) -> bool:
        return self.proc is not None

    def launch(self, cmd: list[str], cwd: Path) -> "ServerProcess":
        """Starts `cmd` and waits for its `listening on` line, which gives `url`."""
        assert self.log_path is not None, "a started server needs a log file"
        timeout = float(os.environ.get("MOLTARENA_START_TIMEOUT", "60"))
        log = open(self.log_path, "w", buffering=1)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, text=True,
                                     cwd=cwd, start_new_session=True)
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            # Hand stdout to the waiting caller, keep it in the log, and keep draining so
            # that the server never blocks on a full pipe.
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                lines.put(line)
                log.write("[stdout] " + line)
            lines.put(None)

        threading.Thread(target=pump, name=f"stdout of {self.label}", daemon=True).start()
        deadline = time.monotonic() + timeout
        seen: list[str] = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                pytest.fail(f"{self.label} printed no `listening on http://HOST:PORT` line "
                            f"within {timeout:.0f} s; stdout so far: {seen!r}\n"
                            f"{self.log_tail()}", pytrace=False)
            try:
                line = lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if line is None:
                self.proc.wait(timeout=5)
                pytest.fail(f"{self.label} exited with status {self.proc.returncode} before "
                            f"printing `listening on ...`; stdout: {seen!r}\n{self.log_tail()}",
                            pytrace=False)
            seen.append(line.rstrip("\n"))
            match = LISTENING.match(line)
            if match:
                url = match.group(1).rstrip("/")
                if url.endswith(":0"):
                    self.stop()
                    pytest.fail(f"{self.label} announced port 0 instead of the real one: "
                                f"{line!r}", pytrace=False)
                self.url = url
                return self

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not exited within 10 s."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    def close(self) -> None:
        """Stops the server at the end of its fixture; if it had died before, says why."""
        died = self.died()
        self.stop()
        if died:
            print("\n" + died)

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no server log)"
        text = self.log_path.read_text(errors="replace").splitlines()
        return "server output:\n" + ("\n".join(text[-lines:]) or "(empty)")

    def died(self) -> str | None:
        """Why the server is gone, or None while it runs (or is not ours)."""
        if self.proc is None or self.proc.poll() is None:
            return None
        return f"{self.label} exited with status {self.proc.returncode}; {self.log_tail()}"

    def check_alive(self) -> None:
        """Fails the test if the server has died."""
        died = self.died()
        if died:
            pytest.fail(died, pytrace=False)


def fresh_database(workdir: Path, on_postgres: bool | None = None) -> str:
    """A new, empty database for a server under test: a SQLite file in `workdir`, or a new
    database on the PostgreSQL server MOLTARENA_TEST_POSTGRES_URL names (made with psql) when
    `on_postgres`, which defaults to MOLTARENA_TEST_ON_POSTGRES=1 (the suites run once more so)."""
    if on_postgres is None:
        on_postgres = os.environ.get("MOLTARENA_TEST_ON_POSTGRES") == "1"
    if not on_postgres:
        return str(workdir / "arena.sqlite")
    server = os.environ.get("MOLTARENA_TEST_POSTGRES_URL")
    if not server:
        pytest.fail("MOLTARENA_TEST_POSTGRES_URL is not set: start a server with `scripts/postgres.sh start DIR` "
                    "(scripts/test.sh postgres does)", pytrace=False)
    name = f"arena_{uuid.uuid4().hex[:12]}"
    done = subprocess.run(["psql", server, "-v", "ON_ERROR_STOP=1", "-qc", f"CREATE DATABASE {name}"],
                          capture_output=True, text=True, timeout=CLI_TIMEOUT)
    assert done.returncode == 0, f"could not create database {name} on {server}: {done.stderr.strip()}"
    return re.sub(r"/[^/?]*(\?.*)?$", f"/{name}", server)


# Every test client connects from 127.0.0.1, many within one second: the per-address handshake
# budget (30 a second) would refuse them by chance. Its own tests are in Swift
# (HTTPLimitsTests); servers under these tests lift it, as the benchmarks do.
TEST_LIMITS = ["--max-handshakes-per-address-per-second", "0"]


class ServeArena(ServerProcess):
    """`moltarena serve --config CONF --db DB --host 127.0.0.1 --port 0`, run by `exe` in
    `workdir` with a fresh database there, and the CLI on that same database."""

    def __init__(self, config: Path, workdir: Path, exe: Path):
        super().__init__(f"`moltarena serve --config {config.name}`", workdir / "server.log")
        self.config = config
        self.workdir = workdir
        self.exe = exe
        self.db = fresh_database(workdir)
        # More `serve` options (--tls-cert and --tls-key, say), set before start().
        self.extra_args: list[str] = []

    def start(self) -> "ServeArena":
        self.launch([str(self.exe), "serve", "--config", str(self.config), "--db", str(self.db),
                     "--host", "127.0.0.1", "--port", "0", *TEST_LIMITS, *self.extra_args], cwd=self.workdir)
        return self

    def use_tls(self, cert: Path, key: Path) -> "ServeArena":
        """Serve https and wss only, with this PEM certificate and key."""
        self.extra_args += ["--tls-cert", str(cert), "--tls-key", str(key)]
        return self

    def cli(self, *args: str) -> dict:
        """Runs `moltarena ARGS --db DB` and returns the one JSON object it prints."""
        cmd = [str(self.exe), *args, "--db", str(self.db)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=CLI_TIMEOUT,
                              cwd=self.workdir)
        assert done.returncode == 0, (f"`moltarena {' '.join(args)}` exited with "
                                      f"{done.returncode}: {done.stderr.strip()}")
        out = done.stdout.strip().splitlines()
        assert len(out) == 1, f"`moltarena {' '.join(args)}` printed {out!r}, expected one line"
        return json.loads(out[0])

    def create_agent(self, name: str | None = None) -> dict:
        name = name or f"agent-{uuid.uuid4().hex[:8]}"
        agent = self.cli("agents", "create", "--name", name)
        assert set(agent) >= {"id", "name", "status", "apiKey"}, agent
        assert agent["name"] == name and agent["status"] == "active", agent
        return agent
