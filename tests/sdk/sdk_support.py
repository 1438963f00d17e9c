"""Helpers of the SDK tests: a spectator that records what its callbacks got, turn functions
that record their calls, and waits on conditions (never fixed sleeps)."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from moltarena import Agent, Spectator, TurnRequest, create_agent, create_battle
from moltarena.models import Payload

# Upper bound of any wait: every wait ends as soon as what it waits for has happened.
WAIT = 30.0

LOGGED = frozenset({
    "battle:state", "battle:starting", "battle:turn", "battle:commentary", "battle:audio",
    "battle:ended", "battle:voting_open", "battle:results",
})


def wait_until(predicate: Callable[[], Any], what: str, timeout: float = WAIT,
               cond: threading.Condition | None = None) -> Any:
    """Waits for `predicate()` to be truthy, woken by `cond` when given (else polling)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"{what} not seen within {timeout} s")
        if cond is not None:
            with cond:
                cond.wait(min(remaining, 0.5))
        else:
            time.sleep(min(remaining, 0.02))  # a poll interval, not a synchronisation


class Recorder:
    """Every callback a client got, in the order it got them: (event, payload)."""

    def __init__(self, client: Agent | Spectator):
        self.events: list[tuple[str, Any]] = []
        self.cond = threading.Condition()
        client.on("*", self._record)

    def _record(self, event: str, payload: Any) -> None:
        with self.cond:
            self.events.append((event, payload))
            self.cond.notify_all()

    def of(self, event: str) -> list[Any]:
        with self.cond:
            return [p for e, p in self.events if e == event]

    def logged(self, battle_id: str) -> list[tuple[str, Any]]:
        with self.cond:
            return [(e, p) for e, p in self.events
                    if e in LOGGED and getattr(p, "battle_id", None) == battle_id]

    def wait_for(self, event: str, where: Callable[[Any], bool] = lambda p: True,
                 timeout: float = WAIT) -> Any:
        def find() -> Any:
            with self.cond:
                return next((p for e, p in self.events if e == event and where(p)), None)
        return wait_until(find, repr(event), timeout, self.cond)


@dataclass
class Player:
    """A turn function that answers from its name and the round, and records each call."""

    name: str
    calls: list[TurnRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    before_answer: Callable[[TurnRequest], None] | None = None

    def __call__(self, turn: TurnRequest) -> str:
        with self.lock:
            self.calls.append(turn)
        if self.before_answer is not None:
            self.before_answer(turn)
        reply = f" answering {turn.last_turn.turn_id}" if turn.last_turn else ""
        return f"{self.name} round {turn.round}{reply}"

    def rounds(self) -> list[int]:
        with self.lock:
            return [call.round for call in self.calls]


def drop_transport(client: Agent | Spectator) -> None:
    """Closes the client's WebSocket under python-socketio, which takes it for a broken
    transport (as after a network failure) and reconnects: a fault injected from the client's
    side, at a moment the test chooses. From any thread."""
    def close() -> None:
        asyncio.ensure_future(client._sio.eio.ws.close())
    client._loop.call_soon_threadsafe(close)


def new_agents(url: str, *names: str) -> list:
    """Agents made over HTTP (POST /api/v1/agents), with unique names."""
    tag = uuid.uuid4().hex[:6]
    return [create_agent(url, f"{name}-{tag}") for name in names]


def new_battle(url: str, first, second, rounds: int) -> str:
    battle = create_battle(url, first.api_key, second.id, f"sdk {uuid.uuid4().hex[:8]}",
                           rounds=rounds)
    assert battle.status == "LOBBY" and [p.id for p in battle.participants] == \
        [first.id, second.id], battle
    return battle.id


def expected_order(first, second, rounds: int) -> list[tuple[str, int]]:
    """(agent id, round) of every turn of a battle played to the end, in order."""
    return [(who.id, r) for r in range(1, rounds + 1) for who in (first, second)]


def payload_dicts(events: list[tuple[str, Payload]]) -> list[tuple[str, dict]]:
    return [(e, p.to_dict()) for e, p in events]


def play_to_the_end(commands: list[tuple[list[str], dict]], cwd=None) -> list[str]:
    """Runs each bot (argv, environment) as a process of its own, all at once; waits for each
    to exit 0 and returns their outputs. A bot still running after WAIT is killed and fails."""
    bots = [subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for argv, env in commands]
    outputs = []
    for bot in bots:
        try:
            out, _ = bot.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            bot.kill()
            out, _ = bot.communicate()
        outputs.append(out)
    for bot, out in zip(bots, outputs):
        assert bot.returncode == 0, out
    return outputs
