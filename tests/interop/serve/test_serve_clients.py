"""The test clients, `moltarena client agent` and `moltarena client spectate`, as
subprocesses: they print one JSON object a line ({"event","data"} for events,
{"ack","data"} for acks) and send `EVENT {json}` lines read from stdin."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time

import pytest

from serve_process import binary
from serve_support import notice
from support import WAIT

# Upper bound for things that take milliseconds, in the two regression tests (where it is
# spent in full while the bug lasts).
PROMPT = 2.0


class LineClient:
    """A `moltarena client ...` child process whose stdout lines are parsed as JSON."""

    def __init__(self, name: str, args: list[str], workdir):
        self.name = name
        self.stderr_path = workdir / f"{name}.stderr"
        self._stderr = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(
            [str(binary()), "client", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self._stderr, text=True, bufsize=1, start_new_session=True)
        self._lines: queue.Queue = queue.Queue()
        self.backlog: list[dict] = []
        threading.Thread(target=self._pump, name=f"{name}-stdout", daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.strip()
            if not line:
                continue
            try:
                self._lines.put(json.loads(line))
            except ValueError:
                self._lines.put({"unparsed": line})
        self._lines.put(None)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def expect(self, predicate, what: str, timeout: float = WAIT) -> dict:
        """The first printed object (earlier unclaimed ones included) that satisfies
        `predicate`; the lines of one client need not come in a fixed order."""
        for i, item in enumerate(self.backlog):
            if predicate(item):
                return self.backlog.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                item = self._lines.get(timeout=max(remaining, 0.001))
            except queue.Empty:
                raise AssertionError(f"{self.name} printed no {what} within {timeout} s; "
                                     f"unclaimed lines: {self.backlog!r}; stderr: "
                                     f"{self.stderr_path.read_text()[-500:]!r}") from None
            if item is None:
                self._lines.put(None)  # stays at the end
                raise AssertionError(f"{self.name} exited ({self.proc.wait(timeout=5)}) "
                                     f"before printing {what}; unclaimed: {self.backlog!r}; "
                                     f"stderr: {self.stderr_path.read_text()[-500:]!r}")
            if predicate(item):
                return item
            self.backlog.append(item)

    def event(self, name: str, where=lambda data: True, timeout: float = WAIT) -> dict:
        line = self.expect(lambda o: o.get("event") == name and where(o.get("data")),
                           f"event {name!r}", timeout=timeout)
        assert set(line) == {"event", "data"}, line
        return line["data"]

    def ack(self, name: str) -> dict:
        line = self.expect(lambda o: o.get("ack") == name, f"ack of {name!r}")
        assert set(line) == {"ack", "data"}, line
        return line["data"]

    def close_stdin(self) -> None:
        """The end of input (the client stays connected)."""
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        try:
            self.close_stdin()
        except OSError:  # the pipe's reader is gone
            pass
        self._stderr.close()


@pytest.fixture
def transports():
    """The python-socketio peers here only watch: WebSocket is enough."""
    return ["websocket"]


@pytest.fixture
def line_clients(arena, tmp_path):
    """Factory: line_clients(name, *args) -> LineClient; all are killed at the end."""
    made: list[LineClient] = []

    def start(name: str, *args: str) -> LineClient:
        client = LineClient(name, list(args), tmp_path)
        made.append(client)
        return client

    yield start
    for client in made:
        client.kill()


def spectate(arena, line_clients, battle) -> LineClient:
    spectator = line_clients("spectator", "spectate", "--url", arena.url, "--battle", battle["id"])
    # The spectator is told nothing on stdin: end its input (see the idle-stdin test below
    # for what an idle stdin does to the client).
    spectator.close_stdin()
    hello = spectator.event("connected")
    assert hello["role"] == "spectator" and hello["agent"] is None, hello
    ack = spectator.ack("battle:join")
    assert ack["ok"] is True and ack["role"] == "spectator" and ack["battleId"] == battle["id"], ack
    connected = spectator.event("battle:connected")
    assert {"ok": True, **connected} == ack
    assert connected["battle"]["id"] == battle["id"]
    assert connected["battle"]["status"] == "LOBBY"
    return spectator


def play(arena, line_clients, agent, battle) -> LineClient:
    client = line_clients(f"agent-{agent['name']}", "agent", "--url", arena.url,
                          "--key", agent["apiKey"], "--battle", battle["id"])
    hello = client.event("connected")
    assert hello["role"] == "agent", hello
    assert hello["agent"] == {"id": agent["id"], "name": agent["name"]}, hello
    ack = client.ack("battle:join")
    assert ack["ok"] is True and ack["role"] == "agent" and ack["battleId"] == battle["id"], ack
    connected = client.event("battle:connected")
    assert {"ok": True, **connected} == ack
    assert [p["id"] for p in connected["battle"]["participants"]] == \
        [p["id"] for p in battle["participants"]]
    return client


def test_spectate_and_agent_clients(arena, line_clients, two_agents, battle):
    alice, bob = two_agents
    spectator = spectate(arena, line_clients, battle)
    agent = play(arena, line_clients, alice, battle)
    assert spectator.event("battle:participant_joined") == notice(alice, battle)

    # A command on stdin (then the end of input, as a script's input ends).
    agent.send('ping {"x":1}')
    agent.close_stdin()
    pong = agent.event("pong")
    assert pong["x"] == 1 and isinstance(pong["serverTime"], str), pong
    assert agent.ack("ping") == {"ok": True, **pong}

    # The other agent through the client too: everyone hears of it.
    other = play(arena, line_clients, bob, battle)
    assert spectator.event("battle:participant_joined") == notice(bob, battle)
    assert agent.event("battle:participant_joined") == notice(bob, battle)

    # Bob leaves from his stdin; the room hears it.
    other.send(f'battle:leave {{"battleId":"{battle["id"]}"}}')
    other.close_stdin()
    assert other.ack("battle:leave") == {"ok": True, "battleId": battle["id"]}
    assert other.event("battle:left") == {"battleId": battle["id"]}
    assert spectator.event("battle:participant_left") == notice(bob, battle)
    assert agent.event("battle:participant_left") == notice(bob, battle)
    # Still connected after the end of their input.
    for client in (spectator, agent, other):
        assert client.proc.poll() is None, f"{client.name} exited"


def test_agent_client_errors_are_printed(arena, line_clients):
    agent = arena.create_agent()
    client = line_clients("agent", "agent", "--url", arena.url, "--key", agent["apiKey"])
    client.send('battle:join {"battleId":"btl_doesnotexist"}')
    client.send("ping")  # a bare event name sends an empty object
    client.close_stdin()
    assert client.event("connected")["agent"]["id"] == agent["id"]
    ack = client.ack("battle:join")
    assert ack["ok"] is False and ack["error"]["code"] == "BATTLE_NOT_FOUND", ack
    error = client.event("error")
    assert error == {"code": "BATTLE_NOT_FOUND", "message": ack["error"]["message"],
                     "event": "battle:join"}
    assert client.ack("ping")["ok"] is True
    assert set(client.event("pong")) == {"serverTime"}


def test_agent_client_with_bad_key_prints_connect_error(arena, line_clients):
    client = line_clients("agent", "agent", "--url", arena.url,
                          "--key", "moltarena_sk_" + "D" * 43)
    client.close_stdin()
    refused = client.event("connect_error")
    assert refused["data"] == {"code": "INVALID_API_KEY"}, refused
    assert client.proc.wait(timeout=WAIT) != 0


def test_agent_client_prints_events_while_stdin_is_idle(arena, line_clients, clients,
                                                       two_agents, battle):
    alice, bob = two_agents
    agent = play(arena, line_clients, alice, battle)
    # A command first: its pong shows that the stdin reader has started (and it waits
    # for the next line right after this one). Then stdin stays open, and idle.
    agent.send('ping {"first":true}')
    assert agent.event("pong")["first"] is True
    other = clients(token=bob["apiKey"])
    other.ok("battle:join", {"battleId": battle["id"]})
    assert agent.event("battle:participant_joined", timeout=PROMPT) == notice(bob, battle)
    other.ok("battle:leave", {"battleId": battle["id"]})
    assert agent.event("battle:participant_left", timeout=PROMPT) == notice(bob, battle)


def test_killed_agent_client_leaves_the_room(arena, line_clients, clients, two_agents, battle):
    alice, _ = two_agents
    watcher = clients(token=arena.create_agent()["apiKey"])
    watcher.ok("battle:join", {"battleId": battle["id"], "role": "spectator"})
    agent = play(arena, line_clients, alice, battle)
    agent.close_stdin()
    assert watcher.data("battle:participant_joined") == notice(alice, battle)
    # Presence has caught up with Alice, and her client has printed it, so it has read
    # everything the server sent: the server owes her connection nothing more (the
    # heartbeat is 25 s away), and her killed process closes it with a plain FIN (unread
    # data would make that a reset, which the server does notice).
    online = lambda p: p["agentsOnline"] == [alice["id"]]  # noqa: E731
    watcher.expect_match("battle:presence", online, what="with Alice online")
    agent.event("battle:presence", where=online)
    agent.kill()
    left = watcher.data("battle:participant_left", timeout=PROMPT)
    assert left == notice(alice, battle)
