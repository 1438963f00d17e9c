"""Helpers of the `moltarena serve` interop tests: the server process with its CLI and
HTTP helpers, and a python-socketio peer for MoltArena's replies."""

from __future__ import annotations

import json
import os
import queue
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

# tests/interop/serve_process.py and tests/interop/support.py (see conftest.py)
from serve_process import REPO_ROOT, ServeArena, binary
from support import WAIT, Peer, wait_until

# python-socketio's transports: its default (long-polling, then upgrade) and WebSocket only.
TRANSPORTS = {
    "polling-upgrade": None,
    "websocket": ["websocket"],
}


def plugins_file() -> Path:
    path = Path(os.environ.get("MOLTARENA_CONFIG") or "plugins.conf")
    return path if path.is_absolute() else REPO_ROOT / path


# --- the server and the CLI ----------------------------------------------------

class Arena(ServeArena):
    """`moltarena serve` with the plugins file (MOLTARENA_CONFIG) and a fresh database in
    `workdir`, plus CLI and HTTP helpers."""

    def __init__(self, workdir: Path):
        super().__init__(plugins_file(), workdir, binary())

    # -- CLI -----------------------------------------------------------------
    def deactivate_agent(self, agent_id: str) -> dict:
        return self.cli("agents", "deactivate", agent_id)

    def create_battle(self, agents: list[dict], title: str | None = None,
                      private: bool = False) -> dict:
        title = title or f"battle {uuid.uuid4().hex[:8]}"
        args = ["battles", "create", "--title", title, "--agents",
                ",".join(a["id"] for a in agents)]
        if private:
            args.append("--private")
        battle = self.cli(*args)
        assert battle["status"] == "LOBBY" and battle["title"] == title, battle
        return battle

    # -- HTTP ----------------------------------------------------------------
    def http(self, method: str, path: str, body=None, token: str | None = None,
             raw_body: bytes | None = None) -> "HTTPAnswer":
        headers = {"Accept": "application/json"}
        data = raw_body
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = "application/json"
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=WAIT) as response:
                return HTTPAnswer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            with error:
                return HTTPAnswer(error.code, error.headers, error.read())


class HTTPAnswer:
    def __init__(self, status: int, headers, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self):
        assert self.headers.get("Content-Type", "").startswith("application/json"), \
            f"not JSON: {self.headers.get('Content-Type')!r}: {self.body[:200]!r}"
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"HTTP {self.status} {self.body[:300]!r}"


# --- Socket.IO clients -----------------------------------------------------------

class ArenaPeer(Peer):
    """support.Peer with handshake headers, and helpers for MoltArena's replies."""

    def connect(self, auth=None, headers=None):
        wait_until(lambda: self.sio.eio.state == "disconnected",
                   what=f"the previous connection to close (state {self.sio.eio.state!r})")
        self.sio.connect(self.url, auth=auth, headers=headers or {}, transports=self.transports,
                         namespaces=["/"], wait_timeout=WAIT)
        return self

    def data(self, event: str, timeout: float = WAIT):
        """The one argument of the next `event`."""
        args = self.expect(event, timeout=timeout)
        assert len(args) == 1, f"{event!r} came with {len(args)} arguments: {args!r}"
        return args[0]

    def request(self, event: str, *args):
        """call() with one ack argument, which is returned."""
        ack = self.call(event, *args)
        assert len(ack) == 1, f"ack of {event!r} has {len(ack)} arguments: {ack!r}"
        return ack[0]

    def ok(self, event: str, *args) -> dict:
        ack = self.request(event, *args)
        assert ack.get("ok") is True, f"{event!r} failed: {ack!r}"
        return ack

    def fails(self, event: str, *args, code: str) -> dict:
        """Sends `event`, expects the failure ack and the matching `error` event."""
        ack = self.request(event, *args)
        assert ack.get("ok") is False, f"{event!r} should have failed with {code}: {ack!r}"
        assert set(ack) == {"ok", "error"}, ack
        assert ack["error"]["code"] == code, ack
        assert isinstance(ack["error"]["message"], str) and ack["error"]["message"], ack
        error = self.data("error")
        assert error == {"code": code, "message": ack["error"]["message"], "event": event}, error
        return ack["error"]

    def expect_match(self, event: str, predicate, timeout: float = WAIT, what: str = ""):
        """Takes `event`s until one's argument satisfies `predicate`; returns that argument."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            remaining = deadline - time.monotonic()
            try:
                (data,) = self.queue("/", event).get(timeout=max(remaining, 0.001))
            except queue.Empty:
                raise AssertionError(f"no {event!r} {what} within {timeout} s; "
                                     f"got instead: {seen!r}") from None
            if predicate(data):
                return data
            seen.append(data)

    def barrier(self, ns: str = "/") -> None:
        """A round trip (`ping`; agents only: anonymous pings share one rate limit per IP).

        Packets of one connection arrive in order: once the ack is back, whatever the
        server sent this client before it has arrived too.
        """
        self.ok("ping", {"barrier": True})


def notice(agent: dict, battle: dict) -> dict:
    """battle:participant_joined / battle:participant_left for `agent`."""
    return {"battleId": battle["id"], "role": "agent", "agentId": agent["id"],
            "name": agent["name"]}
