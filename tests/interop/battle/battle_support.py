"""Helpers of the battle interop tests: a `moltarena serve` per plugins file, its CLI and HTTP
API, and a python-socketio client that keeps every event it receives in wire order.

Why a wire-order log: python-socketio's sync client runs each received event's handler on a
thread of its own, so handlers may run out of order. The ordering claims of the contract
(turns in order, the battle log replayed before live events) are about what the server sends,
so `Client` records each Socket.IO EVENT packet on python-engineio's receiving thread, in the
order the packets arrive, before python-socketio dispatches it.
"""

from __future__ import annotations

import json
import queue
import shutil
import signal
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import engineio
import pytest
import socketio

# tests/interop/serve_process.py and tests/interop/support.py (see conftest.py)
from serve_process import TEST_LIMITS, ServeArena, binary
from support import disconnect_all

HERE = Path(__file__).resolve().parent
CONF_DIR = HERE / "conf"

# Upper bounds only: every wait ends as soon as what it waits for has happened.
WAIT = 8.0

# The events of the battle log (docs/PROTOCOL.md): each carries `seq`.
LOGGED = frozenset({
    "battle:state", "battle:starting", "battle:turn", "battle:audio", "battle:commentary",
    "battle:ended", "battle:voting_open", "battle:results",
})

# python-socketio's transports: its default (long-polling, then upgrade) and WebSocket only.
DEFAULT_TRANSPORTS = None
WEBSOCKET = ["websocket"]


def snapshot_binary(workdir: Path, timeout: float = 60.0) -> Path:
    """A private copy of the binary, so that a rebuild in the working tree during the session
    (the linker rewriting the file: "Text file busy") changes neither the servers nor the CLI.
    Copies until the source stays the same size and age while it is copied."""
    source = binary()
    target = workdir / source.name
    deadline = time.monotonic() + timeout
    while True:
        before = source.stat()
        shutil.copy2(source, target)
        after = source.stat()
        if (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns) \
                and target.stat().st_size == after.st_size \
                and time.time() - after.st_mtime > 1.0:
            return target
        if time.monotonic() > deadline:
            pytest.fail(f"{source} kept changing for {timeout:.0f} s (a build under way?)",
                        pytrace=False)
        time.sleep(0.5)  # a build is writing it: look again shortly


# --- the server, its CLI and its HTTP API ----------------------------------------------------

class Arena(ServeArena):
    """`moltarena serve --config CONF` (a plugins file of conf/) with a fresh database, run by
    the session's copy of the binary, plus CLI and HTTP helpers."""

    # -- CLI ---------------------------------------------------------------------------------
    def create_agents(self, n: int, prefix: str = "agent") -> list[dict]:
        """`n` agents, made by the CLI a few at a time."""
        names = [f"{prefix}-{i}-{uuid.uuid4().hex[:6]}" for i in range(n)]
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(self.create_agent, names))

    def create_battle(self, agents: list[dict], rounds: int, title: str | None = None) -> dict:
        title = title or f"battle {uuid.uuid4().hex[:8]}"
        battle = self.cli("battles", "create", "--title", title, "--agents",
                          ",".join(a["id"] for a in agents), "--rounds", str(rounds))
        assert battle["status"] == "LOBBY" and battle["title"] == title, battle
        assert [p["id"] for p in battle["participants"]] == [a["id"] for a in agents], battle
        return battle

    def show(self, battle_id: str) -> dict:
        """`moltarena battles show ID` with this server's plugins file (for turns and votes)."""
        return self.cli("battles", "show", battle_id, "--config", str(self.config))

    # -- HTTP --------------------------------------------------------------------------------
    def get_json(self, path: str) -> tuple[int, object]:
        request = urllib.request.Request(self.url + path, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=WAIT) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.loads(error.read() or b"null")

    def snapshot(self, battle_id: str) -> dict:
        status, body = self.get_json(f"/api/v1/battles/{battle_id}")
        assert status == 200, (status, body)
        return body


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FixedPortArena(Arena):
    """An Arena on one port for its whole life, so that a server stopped and started again
    (on the same database) comes back at the address its clients reconnect to."""

    def __init__(self, config: Path, workdir: Path, exe: Path):
        super().__init__(config, workdir, exe)
        self.port = free_port()

    def start(self) -> "FixedPortArena":
        self.launch([str(self.exe), "serve", "--config", str(self.config), "--db", str(self.db),
                     "--host", "127.0.0.1", "--port", str(self.port), *TEST_LIMITS], cwd=self.workdir)
        return self

    def restart(self) -> None:
        """SIGTERM (a graceful shutdown: `server:shutdown` to every client), then start again
        on the same port and database."""
        self.stop()
        self.start()

    def crash_and_restart(self) -> None:
        """SIGKILL (no `server:shutdown`: connections cut as in a crash), then start again on
        the same port and database."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.start()


# --- Socket.IO clients -------------------------------------------------------------------------

class Client:
    """A python-socketio Client that logs every received event in wire order.

    `log` holds (event, data) pairs, `data` being the event's first argument. Waits take from
    the log with a deadline, never by sleeping for a fixed time.
    """

    def __init__(self, url: str, token: str | None = None, transports=DEFAULT_TRANSPORTS,
                 label: str = ""):
        self.url = url
        self.token = token
        self.transports = transports
        self.label = label or ("agent" if token else "spectator")
        self.sio = socketio.Client(reconnection=False, handle_sigint=False)
        self.log: list[tuple[str, object]] = []
        self.arrived: list[float] = []  # wall-clock time of each log entry
        self._cond = threading.Condition()
        self._taken: dict[str, int] = {}  # per event: how many `expect` has consumed
        self._hook_receiving()

    def __repr__(self) -> str:
        return f"<Client {self.label}>"

    def _hook_receiving(self) -> None:
        eio = self.sio.eio
        receive = eio._receive_packet

        def on_packet(pkt):
            if pkt.packet_type == engineio.packet.MESSAGE and isinstance(pkt.data, str):
                try:
                    sio_pkt = socketio.packet.Packet(encoded_packet=pkt.data)
                except Exception:  # not ours to judge here; python-socketio reports it
                    sio_pkt = None
                if (sio_pkt is not None and sio_pkt.packet_type == socketio.packet.EVENT
                        and sio_pkt.data):
                    event, *args = sio_pkt.data
                    with self._cond:
                        self.log.append((event, args[0] if args else None))
                        self.arrived.append(time.time())
                        self._cond.notify_all()
            return receive(pkt)

        eio._receive_packet = on_packet

    # -- connection ------------------------------------------------------------------------
    def connect(self) -> "Client":
        self.sio.connect(self.url, auth={"token": self.token} if self.token else None,
                         transports=self.transports, namespaces=["/"], wait_timeout=WAIT)
        connected = self.expect("connected")
        assert connected["role"] == ("agent" if self.token else "spectator"), connected
        return self

    def disconnect(self) -> None:
        if self.sio.connected:
            self.sio.disconnect()

    # -- sending -----------------------------------------------------------------------------
    def call(self, event: str, data) -> dict:
        """Emits `event` with an ack and returns the ack's one argument."""
        box: queue.Queue = queue.Queue()
        self.sio.emit(event, data, callback=lambda *a: box.put(a))
        try:
            ack = box.get(timeout=WAIT)
        except queue.Empty:
            raise AssertionError(f"{self.label}: no ack for {event!r} within {WAIT} s") from None
        assert len(ack) == 1, f"{self.label}: ack of {event!r} has {len(ack)} arguments: {ack!r}"
        return ack[0]

    def ok(self, event: str, data, reply: str | None = None) -> dict:
        """Expects success: an ack {"ok": true, ...reply} and, if named, the reply event."""
        ack = self.call(event, data)
        assert ack.get("ok") is True, f"{self.label}: {event!r} failed: {ack!r}"
        if reply is not None:
            got = self.expect(reply)
            assert got == {k: v for k, v in ack.items() if k != "ok"}, (ack, got)
        return ack

    def fails(self, event: str, data, code: str) -> dict:
        """Expects failure `code`: the ack {"ok": false, "error"} and the matching `error` event."""
        ack = self.call(event, data)
        assert ack.get("ok") is False, f"{self.label}: {event!r} should fail with {code}: {ack!r}"
        assert set(ack) == {"ok", "error"}, ack
        assert ack["error"]["code"] == code, f"{self.label}: {event!r}: {ack!r}, expected {code}"
        assert isinstance(ack["error"]["message"], str) and ack["error"]["message"], ack
        error = self.expect("error")
        assert error == {"code": code, "message": ack["error"]["message"], "event": event}, error
        return ack["error"]

    def join(self, battle_id: str, role: str | None = None, since_seq: int | None = None) -> dict:
        """`battle:join`; returns the `battle:connected` reply."""
        payload: dict = {"battleId": battle_id}
        if role is not None:
            payload["role"] = role
        if since_seq is not None:
            payload["sinceSeq"] = since_seq
        ack = self.ok("battle:join", payload)
        connected = self.expect("battle:connected")
        assert connected == {k: v for k, v in ack.items() if k != "ok"}, (ack, connected)
        assert connected["battleId"] == battle_id, connected
        return connected

    def barrier(self) -> None:
        """A `ping` round trip: once its ack is back, whatever the server sent this client
        before it has arrived too (packets of one connection arrive in order). Agents only:
        anonymous pings share one rate limit per address."""
        self.ok("ping", {"barrier": True})

    # -- receiving ---------------------------------------------------------------------------
    def events(self, event: str | None = None) -> list:
        """The data of every `event` received so far (or every (event, data) pair)."""
        with self._cond:
            if event is None:
                return list(self.log)
            return [data for name, data in self.log if name == event]

    def arrival(self, event: str) -> float:
        """When the first `event` arrived (wall clock)."""
        with self._cond:
            return next(t for (name, _), t in zip(self.log, self.arrived) if name == event)

    def logged(self) -> list[tuple[str, dict]]:
        """The battle-log events received so far, in wire order."""
        with self._cond:
            return [(name, data) for name, data in self.log if name in LOGGED]

    def expect(self, event: str, timeout: float = WAIT):
        """The data of the next `event` not yet taken by `expect`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                taken = self._taken.get(event, 0)
                found = [data for name, data in self.log if name == event]
                if len(found) > taken:
                    self._taken[event] = taken + 1
                    return found[taken]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"{self.label}: no {event!r} within {timeout} s; received: "
                        f"{[name for name, _ in self.log]}")
                self._cond.wait(remaining)

    def wait_for(self, predicate, what: str, timeout: float = WAIT):
        """Waits until `predicate(log)` is truthy and returns its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate(list(self.log))
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{self.label}: {what} not seen within {timeout} s; "
                                         f"received: {[name for name, _ in self.log]}")
                self._cond.wait(remaining)

    def wait_event(self, event: str, where=lambda data: True, timeout: float = WAIT):
        """Waits for an `event` (received before or after the call) whose data satisfies
        `where`, and returns that data."""
        def find(log):
            for name, data in log:
                if name == event and where(data):
                    return data or True
            return None
        return self.wait_for(find, f"{event!r}", timeout)

    def wait_state(self, status: str, timeout: float = WAIT) -> dict:
        state = self.wait_event("battle:state", lambda d: d["status"] == status, timeout)
        if status == "COMPLETED":
            # The server announces COMPLETED, then the results: the battle is over for a
            # client once both are in.
            self.wait_event("battle:results", lambda d: True, timeout)
        return state


class Clients:
    """Makes clients for one test and disconnects them all at its end."""

    def __init__(self):
        self.made: list[Client] = []

    def __call__(self, arena: Arena, agent: dict | None = None, transports=DEFAULT_TRANSPORTS,
                 label: str = "", connect: bool = True) -> Client:
        client = Client(arena.url, agent["apiKey"] if agent else None, transports,
                        label or (agent["name"] if agent else "spectator"))
        self.made.append(client)
        if connect:
            client.connect()
        return client

    def many(self, arena: Arena, agents: list[dict | None], transports=DEFAULT_TRANSPORTS,
             labels: list[str] | None = None) -> list[Client]:
        """Several clients connected at once (one connection per entry of `agents`)."""
        clients = [self(arena, agent, transports, labels[i] if labels else "", connect=False)
                   for i, agent in enumerate(agents)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(Client.connect, clients))
        return clients

    def close(self) -> None:
        disconnect_all(self.made)


# --- checks -------------------------------------------------------------------------------

def seqs(events: list[tuple[str, dict]]) -> list[int]:
    return [data["seq"] for _, data in events]


def assert_contiguous_log(events: list[tuple[str, dict]], first: int = 1) -> None:
    """Every logged event carries an integer `seq`, contiguous from `first`, in wire order."""
    for name, data in events:
        assert isinstance(data, dict) and isinstance(data.get("seq"), int), (name, data)
    got = seqs(events)
    assert got == list(range(first, first + len(got))), (
        f"seq not contiguous from {first}: {list(zip([n for n, _ in events], got))}")


def statuses(client: Client) -> list[str]:
    """The statuses of `battle:state` in wire order, consecutive repeats (round changes) merged."""
    out: list[str] = []
    for data in client.events("battle:state"):
        if not out or out[-1] != data["status"]:
            out.append(data["status"])
    return out


# --- playing ------------------------------------------------------------------------------------

def submit(battle_id: str, content: str, client_turn_id: str | None = None) -> dict:
    payload = {"battleId": battle_id, "content": content}
    if client_turn_id is not None:
        payload["clientTurnId"] = client_turn_id
    return payload


def take_turn(agent: Client, battle_id: str, round_: int, content: str,
              client_turn_id: str | None = None) -> dict:
    """Waits for the agent's `battle:your_turn` and answers it; returns the ack."""
    your_turn = agent.expect("battle:your_turn")
    assert your_turn["battleId"] == battle_id and your_turn["round"] == round_, your_turn
    assert isinstance(your_turn["deadline"], str) and your_turn["deadline"], your_turn
    ack = agent.ok("battle:submit_turn", submit(battle_id, content, client_turn_id),
                   reply="battle:turn_accepted")
    assert set(ack) == {"ok", "battleId", "turnId", "round"}, ack
    assert ack["battleId"] == battle_id and ack["round"] == round_, ack
    assert isinstance(ack["turnId"], str) and ack["turnId"], ack
    return ack


def words(prefix: str, n: int) -> str:
    """`n` distinct words (turn content that reads as a turn)."""
    return " ".join(f"{prefix}{i}" for i in range(n))
