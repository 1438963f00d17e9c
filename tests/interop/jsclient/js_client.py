"""The official socket.io-client as a child process (driver.js), speaking JSON lines."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from serve_process import REPO_ROOT

HERE = Path(__file__).resolve().parent
CLIENT_MODULES = Path(os.environ.get("SOCKET_IO_CLIENT_MODULES",
                                     REPO_ROOT.parent / "shared" / "clients" / "socket.io-client" / "node_modules"))
WAIT = 8.0


class JSClient:
    def __init__(self, url: str, token: str | None, transport: str, log_path: Path,
                 extra_env: dict[str, str] | None = None):
        self.url, self.token, self.transport, self.log_path = url, token, transport, log_path
        # More environment for node (NODE_EXTRA_CA_CERTS: a CA it trusts besides its own).
        self.extra_env = extra_env or {}
        self.lines: list[dict] = []
        self.cond = threading.Condition()
        self.next_id = 0
        self.proc: subprocess.Popen | None = None

    def start(self, expect_connected: bool = True) -> "JSClient":
        node = shutil.which("node") or pytest.fail("node not found (apt-get install nodejs)", pytrace=False)
        if not CLIENT_MODULES.exists():
            pytest.fail(f"the official client is not at {CLIENT_MODULES}", pytrace=False)
        env = dict(os.environ, NODE_PATH=f"{CLIENT_MODULES}:/usr/share/nodejs", **self.extra_env)
        self.proc = subprocess.Popen([node, str(HERE / "driver.js"), self.url, self.token or "-", self.transport],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(self.log_path, "w"),
                                     text=True, bufsize=1, env=env)
        threading.Thread(target=self._read, daemon=True).start()
        return self.expect_connected() if expect_connected else self

    def expect_connected(self) -> "JSClient":
        connected = self.wait(lambda line: "connected" in line or "error" in line, "connecting")
        assert connected.get("connected") is True, connected
        return self

    def _read(self) -> None:
        assert self.proc and self.proc.stdout
        for raw in self.proc.stdout:
            with self.cond:
                self.lines.append(json.loads(raw))
                self.cond.notify_all()

    def wait(self, predicate, what: str, timeout: float = WAIT) -> dict:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines:
                    if predicate(line):
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"JS client: {what} not seen within {timeout} s; got {self.lines[-10:]}")
                self.cond.wait(remaining)

    def call(self, event: str, data) -> dict:
        """Emits with an acknowledgement and returns it."""
        self.next_id += 1
        ident = self.next_id
        assert self.proc and self.proc.stdin
        self.proc.stdin.write(json.dumps({"emit": event, "data": data, "id": ident}) + "\n")
        self.proc.stdin.flush()
        return self.wait(lambda line: line.get("ack") == ident, f"the ack of {event}")["data"]

    def events(self, name: str) -> list:
        with self.cond:
            return [line["data"] for line in self.lines if line.get("event") == name]

    def wait_event(self, name: str, where=lambda data: True, timeout: float = WAIT) -> dict:
        return self.wait(lambda line: line.get("event") == name and where(line["data"]), name, timeout)["data"]

    def close(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
