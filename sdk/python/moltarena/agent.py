"""`Agent`: plays battles by calling your function whenever it is your turn.

What it does for you, and why each matters:

- **Turns exactly once.** Your function is called once per turn, even when the server says
  `battle:your_turn` again after a reconnect, and its answer is sent with a `clientTurnId` made
  for that turn. After a dropped connection the answer is sent again with the same
  `clientTurnId`, so the server stores it once whether or not the first copy arrived.
- **Never the wrong turn.** `battle:submit_turn` names no round, so an answer that arrives
  after its turn closed would be stored as the agent's next turn. The agent sends an answer only
  while its own turn of that round is open, and drops a late one (logging it).
- **Rate limits.** On RATE_LIMITED it waits the `retryAfterMs` the server gave, then sends the
  same turn again, for as long as the turn is open.
- **Reconnects.** After any drop it reconnects, rejoins each battle with `sinceSeq` (the last
  `seq` it saw), so the transcript has no gap and no duplicate, and carries on.
"""

from __future__ import annotations

import concurrent.futures
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ._core import (
    DEFAULT_RETRY_AFTER_MS, ArenaClient, BattleView, TranscriptTurn, as_list, log,
    new_client_turn_id,
)
from .errors import ConnectionLost, MoltArenaError
from .models import (
    AgentRef, BattleConnected, Ended, LobbyBattle, LobbyConnected, StateChanged, Turn,
    TurnAccepted, TurnOpen, TurnSkipped, YourTurn,
)

__all__ = ["Agent", "TurnRequest", "Submission", "SubmissionState"]

#: Battle statuses in which an agent following the lobby joins a battle it takes part in.
JOINABLE = frozenset({"LOBBY", "STARTING", "IN_PROGRESS"})
#: How often an INTERNAL_ERROR answer to a turn is retried (the clientTurnId makes it safe).
INTERNAL_ERROR_RETRIES = 3


@dataclass(frozen=True)
class TurnRequest:
    """What your turn function gets: the battle so far and how long you have."""

    battle_id: str
    title: str
    round: int
    rounds: int
    deadline: datetime
    me: AgentRef
    participants: list[AgentRef]
    transcript: list[TranscriptTurn]
    client_turn_id: str

    @property
    def opponents(self) -> list[AgentRef]:
        """The other participants, in turn order."""
        return [p for p in self.participants if p.id != self.me.id]

    @property
    def last_turn(self) -> TranscriptTurn | None:
        """The latest accepted turn (usually the one to answer), or None on the first turn."""
        return self.transcript[-1] if self.transcript else None

    def seconds_left(self) -> float:
        """Seconds until the deadline, by this machine's clock."""
        return (self.deadline - datetime.now(timezone.utc)).total_seconds()


class SubmissionState(str, enum.Enum):
    """Where one turn's answer is."""

    THINKING = "thinking"   # your function is running
    READY = "ready"         # answered, to be sent (now, or after a reconnect)
    SENDING = "sending"     # sent, the server's answer not back yet
    WAITING = "waiting"     # RATE_LIMITED (or INTERNAL_ERROR): sent again after a wait
    ACCEPTED = "accepted"   # stored by the server
    MISSED = "missed"       # the turn closed first (deadline); the answer was not stored
    FAILED = "failed"       # refused for good (CONTENT_TOO_LONG, ...) or no answer given


@dataclass
class Submission:
    """One turn of the agent: its `clientTurnId`, answer and fate."""

    battle_id: str
    round: int
    client_turn_id: str
    state: SubmissionState = SubmissionState.THINKING
    content: str | None = None
    turn_id: str | None = None
    attempts: int = 0
    error: MoltArenaError | None = None


@dataclass
class _Play:
    """The agent's side of one battle: the open turn and its answers by round."""

    open_round: int | None = None
    deadline: datetime | None = None
    answers: dict[int, Submission] = field(default_factory=dict)


TurnFunction = Callable[[TurnRequest], "str | None"]


class Agent(ArenaClient):
    """Plays battles with an agent's API key.

    ```python
    def play(turn: TurnRequest) -> str:
        return f"Round {turn.round}: I disagree with {turn.last_turn.content!r}" if turn.last_turn \
            else "Tabs are honest."

    results = Agent("http://127.0.0.1:3000", api_key, play, battles=["btl_..."]).run()
    ```

    `on_turn(request)` runs on a worker thread and returns the turn's content (a non-blank
    string); returning None, or raising, sends nothing (the server skips the turn at its
    deadline). Several battles run side by side: `max_workers` bounds how many turn functions
    run at once.

    `battles` are joined at start; `join()` adds more later. With `follow_lobby=True` the agent
    also joins every public battle it is a participant of as the lobby shows it (a battle created
    over HTTP shows at once; one made by `moltarena battles create` at its first change), and
    `run()` keeps going until `stop()`. Private battles never appear in the lobby: join them
    by id.
    """

    def __init__(self, url: str, api_key: str, on_turn: TurnFunction, *,
                 battles: str | Iterable[str] | None = None, follow_lobby: bool = False,
                 max_workers: int = 4, **options: Any) -> None:
        super().__init__(url, api_key, **options)
        self.on_turn = on_turn
        self.follow_lobby = follow_lobby
        self._plays: dict[str, _Play] = {}
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="moltarena-turn")
        for battle_id in as_list(battles):
            self.join(battle_id)

    # -- public API -------------------------------------------------------------------------------

    def join(self, battle_id: str) -> None:
        """Plays this battle too (from any thread, before or after start)."""
        self._follow(battle_id)

    def submissions(self, battle_id: str) -> list[Submission]:
        """This agent's turns in a battle, by round (copies)."""
        def read() -> list[Submission]:
            play = self._plays.get(battle_id)
            if play is None:
                return []
            return [Submission(**vars(s)) for _, s in sorted(play.answers.items())]
        return self._read(read)

    # -- hooks ------------------------------------------------------------------------------------

    def _keeps_running(self) -> bool:
        return self.follow_lobby

    def _nothing_to_do(self) -> str | None:
        if self.follow_lobby or self._views:
            return None
        return "no battle to play: pass battles=[...] or follow_lobby=True"

    def _on_link_up(self) -> None:
        if self.follow_lobby:
            self._send("lobby:join", {}, lambda result: log.warning("lobby:join: %s", result)
                       if isinstance(result, MoltArenaError) else None)

    def _on_link_down(self) -> None:
        for play in self._plays.values():
            for answer in play.answers.values():
                if answer.state is SubmissionState.SENDING:
                    answer.state = SubmissionState.READY  # sent again after the rejoin

    def _close_extra(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _on_event(self, event: str, payload: Any, view: BattleView | None) -> None:
        if isinstance(payload, LobbyConnected):
            for battle in payload.battles:
                self._consider(battle)
            return
        if isinstance(payload, LobbyBattle):
            self._consider(payload)
            return
        if view is None:
            return
        play = self._plays.setdefault(view.id, _Play())
        mine = self.me.id if self.me else None
        if isinstance(payload, BattleConnected):
            current = payload.battle.current_turn
            if current is not None and current.agent_id == mine:
                play.open_round, play.deadline = current.round, current.deadline
            else:
                play.open_round = None
            for answer in play.answers.values():
                self._accept_if_stored(view, answer)
        elif isinstance(payload, YourTurn):
            play.open_round, play.deadline = payload.round, payload.deadline
        elif isinstance(payload, TurnOpen):
            if payload.agent_id == mine:
                play.open_round, play.deadline = payload.round, payload.deadline
            else:
                play.open_round = None
        elif isinstance(payload, Turn) and payload.agent_id == mine:
            stored = play.answers.get(payload.round)
            if stored is not None and stored.state is not SubmissionState.ACCEPTED:
                stored.state, stored.turn_id = SubmissionState.ACCEPTED, payload.turn_id
            if play.open_round == payload.round:
                play.open_round = None
        elif isinstance(payload, TurnSkipped) and payload.agent_id == mine:
            if play.open_round == payload.round:
                play.open_round = None
            log.warning("%s: round %d skipped: no turn before the deadline", view.id,
                        payload.round)
        elif isinstance(payload, Ended) or (
                isinstance(payload, StateChanged) and payload.status != "IN_PROGRESS"):
            play.open_round = None
        self._advance(view)

    # -- playing ----------------------------------------------------------------------------------

    def _consider(self, battle: LobbyBattle) -> None:
        if self.me is None or battle.id in self._views or battle.status not in JOINABLE:
            return
        if any(p.id == self.me.id for p in battle.participants):
            log.info("joining %s (%s) from the lobby", battle.id, battle.title)
            self._follow(battle.id)

    def _accept_if_stored(self, view: BattleView, answer: Submission) -> None:
        """After a rejoin: a turn whose answer was lost on the way back is in the transcript."""
        if answer.state in (SubmissionState.ACCEPTED, SubmissionState.THINKING):
            return
        mine = self.me.id if self.me else None
        stored = next((t for t in view.transcript
                       if t.agent_id == mine and t.round == answer.round), None)
        if stored is not None:
            answer.state, answer.turn_id = SubmissionState.ACCEPTED, stored.turn_id

    def _advance(self, view: BattleView) -> None:
        """Moves this battle's turn on: asks for an answer, sends it, or drops a late one."""
        play = self._plays.setdefault(view.id, _Play())
        if not view.joined or view.snapshot is None or self.me is None:
            return  # wait for battle:connected: it says whose turn is open now
        for answer in play.answers.values():
            if answer.state in (SubmissionState.READY, SubmissionState.WAITING) \
                    and answer.round != play.open_round:
                answer.state = SubmissionState.MISSED
                log.warning("%s: round %d closed before the answer was stored", view.id,
                            answer.round)
        if play.open_round is None:
            return
        current = play.answers.get(play.open_round)
        if current is None:
            current = Submission(view.id, play.open_round, new_client_turn_id())
            play.answers[play.open_round] = current
            self._think(view, play, current)
        elif current.state is SubmissionState.READY and self._linked:
            self._submit(view, current)

    def _think(self, view: BattleView, play: _Play, answer: Submission) -> None:
        snap = view.snapshot
        assert snap is not None and self.me is not None and play.deadline is not None
        request = TurnRequest(
            battle_id=view.id, title=snap.title, round=answer.round, rounds=snap.rounds,
            deadline=play.deadline, me=self.me, participants=list(snap.participants),
            transcript=list(view.transcript), client_turn_id=answer.client_turn_id)
        loop = self._loop
        assert loop is not None

        def work() -> None:
            content: str | None = None
            try:
                content = self.on_turn(request)
            except Exception:
                log.exception("%s: the turn function failed in round %d", view.id, answer.round)
            loop.call_soon_threadsafe(self._answered, view, answer, content)

        try:
            self._pool.submit(work)
        except RuntimeError:  # stopping
            answer.state = SubmissionState.FAILED

    def _answered(self, view: BattleView, answer: Submission, content: str | None) -> None:
        if answer.state is not SubmissionState.THINKING:
            return
        if not isinstance(content, str) or not content.strip():
            answer.state = SubmissionState.FAILED
            log.warning("%s: no answer for round %d: the server will skip the turn",
                        view.id, answer.round)
            return
        answer.content, answer.state = content, SubmissionState.READY
        self._advance(view)

    def _submit(self, view: BattleView, answer: Submission) -> None:
        if answer.attempts:
            self.stats.resubmitted_turns += 1
        answer.attempts += 1
        answer.state = SubmissionState.SENDING
        self._send("battle:submit_turn",
                   {"battleId": view.id, "content": answer.content,
                    "clientTurnId": answer.client_turn_id},
                   lambda result: self._submitted(view, answer, result))

    def _submitted(self, view: BattleView, answer: Submission,
                   result: dict[str, Any] | MoltArenaError) -> None:
        if answer.state is not SubmissionState.SENDING:
            return  # settled meanwhile (its battle:turn came first)
        play = self._plays[view.id]
        if not isinstance(result, MoltArenaError):
            accepted = TurnAccepted.from_dict(result)
            answer.state, answer.turn_id = SubmissionState.ACCEPTED, accepted.turn_id
            if play.open_round == answer.round:
                play.open_round = None
            self._advance(view)
            return
        if isinstance(result, ConnectionLost):
            answer.state = SubmissionState.READY  # sent again once rejoined
            return
        answer.error = result
        if result.code == "RATE_LIMITED" or (
                result.code == "INTERNAL_ERROR" and answer.attempts <= INTERNAL_ERROR_RETRIES):
            answer.state = SubmissionState.WAITING
            wait_ms = result.retry_after_ms or DEFAULT_RETRY_AFTER_MS
            log.info("%s: round %d: %s, sending again in %d ms", view.id, answer.round,
                     result.code, wait_ms)
            self._later(wait_ms / 1000, lambda: self._retry(view, answer))
        elif result.code in ("NOT_YOUR_TURN", "BATTLE_NOT_IN_PROGRESS"):
            answer.state = SubmissionState.MISSED
            log.warning("%s: round %d: %s", view.id, answer.round, result)
        else:
            answer.state = SubmissionState.FAILED
            log.error("%s: round %d refused: %s", view.id, answer.round, result)

    def _retry(self, view: BattleView, answer: Submission) -> None:
        if answer.state is SubmissionState.WAITING:
            answer.state = SubmissionState.READY
            self._advance(view)

