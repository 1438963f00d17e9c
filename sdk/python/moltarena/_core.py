"""What the Agent and the Spectator share: one Socket.IO connection that comes back after every
drop, battles followed through the battle log, requests with their answers, and callbacks.

Threads, and why:

- **The I/O thread** runs an asyncio event loop with python-socketio's `AsyncClient`. Its
  handlers are plain functions, so python-socketio runs each one to completion in the order the
  packets arrived: events and acknowledgements are seen in wire order. (The threaded `Client`
  runs every event's handler on a thread of its own, so a `battle:your_turn` could be handled
  before the `battle:turn` that came just before it, and a bot would answer a transcript that
  lacks the opponent's last word.) All of the SDK's state lives on this thread, so it needs no
  locks.
- **The callback thread** runs the developer's callbacks one at a time, in the order of the
  events, so a slow callback delays later callbacks but never the connection's heartbeats.
- **Worker threads** run the agent's turn function, which may take as long as an LLM takes.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import socketio

from .errors import ConnectError, ConnectionLost, MoltArenaError
from .models import (
    AgentRef, Battle, BattleConnected, BattleResults, Connected, PayloadError,
    RateLimitExceeded, Results, ServerShutdown, StateChanged, Turn, parse_event,
)

log = logging.getLogger("moltarena")

T = TypeVar("T")
Callback = Callable[..., Any]

#: Events of the battle log: each carries `seq`, and a rejoin with `sinceSeq` replays them.
LOGGED_EVENTS = frozenset({
    "battle:state", "battle:starting", "battle:turn", "battle:commentary", "battle:audio",
    "battle:ended", "battle:voting_open", "battle:results",
})
FINAL_STATUSES = frozenset({"COMPLETED", "CANCELLED"})
#: The wait after RATE_LIMITED when no `rate_limit_exceeded` said how long (it always should).
DEFAULT_RETRY_AFTER_MS = 1000


@dataclass(frozen=True)
class TranscriptTurn:
    """One accepted turn of a battle, in the order the battle was played."""

    turn_id: str
    round: int
    agent_id: str
    agent_name: str
    content: str


@dataclass
class Stats:
    """Counters of what the SDK did for you, for logs and tests.

    `duplicates_dropped` and `gaps` should stay 0: the server promises to replay the battle log
    with no gap and no duplicate, and these count where it did not."""

    connects: int = 0
    reconnects: int = 0
    duplicates_dropped: int = 0
    gaps: int = 0
    rate_limited: int = 0
    resubmitted_turns: int = 0
    unparsed_payloads: int = 0


@dataclass
class BattleView:
    """What the SDK knows of one battle: where in its log it is, its snapshot, its transcript."""

    id: str
    last_seq: int | None = None
    snapshot: Battle | None = None
    joined: bool = False  # battle:connected received on the current connection
    replaying: bool = False  # the current join asked for a replay (sinceSeq)
    status: str | None = None
    results: Results | None = None
    transcript: list[TranscriptTurn] = field(default_factory=list)
    turn_ids: set[str] = field(default_factory=set)
    error: MoltArenaError | None = None

    @property
    def finished(self) -> bool:
        """Nothing more will happen: completed with its results, cancelled, or not joinable."""
        if self.error is not None:
            return True
        if self.status == "CANCELLED":
            return True
        return self.status == "COMPLETED" and self.results is not None

    def name_of(self, agent_id: str) -> str:
        who = self.snapshot.participant(agent_id) if self.snapshot else None
        return who.name if who else agent_id

    def add_turn(self, turn_id: str, round_: int, agent_id: str, content: str) -> None:
        if turn_id in self.turn_ids:
            return
        self.turn_ids.add(turn_id)
        self.transcript.append(
            TranscriptTurn(turn_id, round_, agent_id, self.name_of(agent_id), content))


class _CallbackRunner:
    """One thread that runs the developer's callbacks in order."""

    def __init__(self, name: str) -> None:
        self._queue: queue.Queue[tuple[Callback, tuple[Any, ...]] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def post(self, fn: Callback, *args: Any) -> None:
        self._queue.put((fn, args))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            fn, args = item
            try:
                fn(*args)
            except Exception:  # a bot's bug must not stop the bot
                log.exception("callback %r failed", fn)

    def close(self, timeout: float) -> None:
        """Runs what is already queued, then stops."""
        self._queue.put(None)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)


class _Request:
    def __init__(self, event: str, on_done: Callable[[dict[str, Any] | MoltArenaError], None]):
        self.event = event
        self.on_done = on_done
        self.sent_at_mark = 0


class ArenaClient:
    """Base of `Agent` and `Spectator`: the connection, followed battles, requests, callbacks.

    Not meant to be used directly. Subclasses react to events in `_on_event` (on the I/O
    thread) and to (re)connections in `_on_link_up`.
    """

    _role: str | None = None  # the `role` sent with battle:join (None: let the server decide)

    def __init__(self, url: str, api_key: str | None = None, *,
                 transports: Sequence[str] | None = ("websocket",), connect_timeout: float = 10.0,
                 reconnect_delay: float = 0.5, reconnect_delay_max: float = 5.0,
                 replay: bool = True) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key
        # WebSocket only by default: one connection, no long-polling round trips. (An upgrade
        # from long-polling is also refused by servers that take WebSocket upgrades only on a
        # fresh HTTP connection, and aiohttp reuses the polling one.) ["polling"] suits
        # networks that block WebSocket.
        self.transports = list(transports) if transports else None
        self.connect_timeout = connect_timeout
        self.reconnect_delay = reconnect_delay
        self.reconnect_delay_max = reconnect_delay_max
        self.replay = replay
        #: Who this connection is: the agent (None for an anonymous spectator). Set on connect.
        self.me: AgentRef | None = None
        self.stats = Stats()
        self._callbacks: dict[str, list[Callback]] = {}
        self._views: dict[str, BattleView] = {}
        self._requests: dict[int, _Request] = {}
        self._next_request = 0
        self._received = 0  # events received so far: orders rate-limit notices against requests
        self._rate_notices: dict[str, tuple[int, int]] = {}  # event -> (mark, retryAfterMs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._io_thread: threading.Thread | None = None
        self._sio: socketio.AsyncClient | None = None
        self._runner: _CallbackRunner | None = None
        self._linked = False
        self._closing = False
        self._greeted = threading.Event()
        self._done = threading.Event()
        self._all_finished = False
        self._refusal: dict[str, Any] | None = None
        self._started = False
        self._stopped = False
        self._lock = threading.Lock()

    # -- public API -------------------------------------------------------------------------------

    def on(self, event: str, callback: Callback | None = None) -> Any:
        """Calls `callback(payload)` for every `event` (its wire name, such as `battle:turn`),
        with the typed payload of `moltarena.models`; `"*"` gets `callback(event, payload)` for
        every event. Usable as a decorator. Callbacks run one at a time, in the order the events
        arrived, each logged event once even across reconnects."""
        def register(fn: Callback) -> Callback:
            self._callbacks.setdefault(event, []).append(fn)
            return fn
        return register(callback) if callback is not None else register

    def start(self) -> None:
        """Connects and returns once the server has greeted this client. Raises `ConnectError`
        when the key is refused or the server cannot be reached: retrying the same key will not
        help, so it is better to fail loudly at once than to retry in the background."""
        with self._lock:
            if self._started:
                return
            self._started = True
        self._runner = _CallbackRunner(f"moltarena-callbacks-{id(self):x}")
        self._loop = asyncio.new_event_loop()
        self._io_thread = threading.Thread(target=self._loop.run_forever,
                                           name=f"moltarena-io-{id(self):x}", daemon=True)
        self._io_thread.start()
        try:
            self._in_loop(self._connect(), self.connect_timeout + 5)
            if not self._greeted.wait(self.connect_timeout):
                raise ConnectError("UNREACHABLE", "the server sent no `connected` greeting")
        except BaseException:
            self.stop()
            raise

    def run(self, timeout: float | None = None) -> dict[str, Results | None]:
        """Connects, follows every battle until it has its results (or `timeout` seconds pass,
        or Ctrl-C), disconnects, and returns each battle's `Results` (None when it has none).
        The one call a script needs: everything else happens on the SDK's threads."""
        reason = self._read(self._nothing_to_do)
        if reason is not None:
            raise ValueError(reason)
        self.start()
        try:
            self.wait(timeout)
        finally:
            self.stop()
        return self.results()

    def wait(self, timeout: float | None = None) -> bool:
        """Blocks until every followed battle has finished (True) or `timeout` passed (False)."""
        return self._done.wait(timeout)

    def stop(self) -> None:
        """Disconnects, stops reconnecting, runs the callbacks already queued, and releases
        the threads. Safe to call more than once and from any thread but the callbacks'."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._closing = True
        loop = self._loop
        if loop is not None and loop.is_running():
            try:
                self._in_loop(self._shutdown(), 10)
            except Exception as error:  # already down: nothing to close
                log.debug("shutdown: %r", error)
            loop.call_soon_threadsafe(loop.stop)
        if self._io_thread is not None and self._io_thread is not threading.current_thread():
            self._io_thread.join(10)
        if loop is not None and not loop.is_running():
            loop.close()
        self._close_extra()
        if self._runner is not None:
            self._runner.close(10)
        self._done.set()

    def __enter__(self) -> "ArenaClient":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def battle(self, battle_id: str) -> Battle | None:
        """The latest snapshot of a followed battle (from its last `battle:connected`)."""
        return self._read(lambda: self._views[battle_id].snapshot if battle_id in self._views
                          else None)

    def transcript(self, battle_id: str) -> list[TranscriptTurn]:
        """The accepted turns of a followed battle so far, in order: from the first join's
        snapshot on, so for a long battle joined late, from its `turns_from` (the earlier ones
        are on `GET /api/v1/battles/{id}/turns`)."""
        return self._read(lambda: list(self._views[battle_id].transcript)
                          if battle_id in self._views else [])

    def results(self) -> dict[str, Results | None]:
        """Each followed battle's results (None while it has none, or if it was not joinable)."""
        return self._read(lambda: {bid: v.results for bid, v in self._views.items()})

    def errors(self) -> dict[str, MoltArenaError]:
        """Battles that could not be joined, with the server's refusal."""
        return self._read(lambda: {bid: v.error for bid, v in self._views.items()
                                   if v.error is not None})

    # -- for subclasses -------------------------------------------------------------------------

    def _follow(self, battle_id: str) -> None:
        """Follows a battle: joins it now if connected, and again after every reconnect."""
        def add() -> None:
            if battle_id in self._views:
                return
            self._views[battle_id] = BattleView(battle_id, last_seq=0 if self.replay else None)
            self._all_finished = False
            self._done.clear()
            if self._linked:
                self._join(self._views[battle_id])
        self._on_loop(add)

    def _nothing_to_do(self) -> str | None:
        """Why run() would have nothing to wait for, or None."""
        return None

    def _keeps_running(self) -> bool:
        """True while the client should run even with every battle finished (the lobby)."""
        return False

    def _on_link_up(self) -> None:
        """Called on the I/O thread after each (re)connection, battles already rejoined."""

    def _on_link_down(self) -> None:
        """Called on the I/O thread when the connection drops."""

    def _on_event(self, event: str, payload: Any, view: BattleView | None) -> None:
        """Called on the I/O thread for every event, after the SDK's own bookkeeping."""

    def _close_extra(self) -> None:
        """Releases what a subclass holds, at stop()."""

    def _send(self, event: str, payload: dict[str, Any],
              on_done: Callable[[dict[str, Any] | MoltArenaError], None]) -> None:
        """Sends a request (I/O thread only). `on_done` gets the ack's fields (without `ok`)
        or a `MoltArenaError` (a RATE_LIMITED one carries `retry_after_ms`), or `ConnectionLost`
        when the connection drops first."""
        if not self._linked or self._sio is None:
            on_done(ConnectionLost(event))
            return
        self._next_request += 1
        rid = self._next_request
        request = _Request(event, on_done)
        request.sent_at_mark = self._received
        self._requests[rid] = request

        def ack(*args: Any) -> None:
            if self._requests.pop(rid, None) is None:
                return  # given up on already (the connection dropped)
            reply = args[0] if args else None
            if isinstance(reply, dict) and reply.get("ok") is True:
                on_done({k: v for k, v in reply.items() if k != "ok"})
                return
            error = reply.get("error") if isinstance(reply, dict) else None
            if not isinstance(error, dict):
                on_done(MoltArenaError("INTERNAL_ERROR", f"unexpected ack {reply!r}", event))
                return
            failure = MoltArenaError(str(error.get("code")), str(error.get("message")), event)
            if failure.code == "RATE_LIMITED":
                self.stats.rate_limited += 1
                mark, wait_ms = self._rate_notices.get(event, (-1, DEFAULT_RETRY_AFTER_MS))
                # The server emits rate_limit_exceeded just before the ack; an older notice is
                # about an earlier request.
                failure.retry_after_ms = wait_ms if mark >= request.sent_at_mark \
                    else DEFAULT_RETRY_AFTER_MS
            on_done(failure)

        sio = self._sio

        async def emit() -> None:
            try:
                await sio.emit(event, payload, callback=ack)
            except Exception as error:  # disconnected meanwhile: the drop handler fails it
                log.debug("emit %s failed: %r", event, error)
                dropped = self._requests.pop(rid, None)
                if dropped is not None:
                    dropped.on_done(ConnectionLost(event))

        asyncio.ensure_future(emit())

    def _on_loop(self, fn: Callable[[], None]) -> None:
        """Runs `fn` on the I/O thread (now if not started yet: nothing else runs then)."""
        loop = self._loop
        if loop is None or not loop.is_running():
            fn()
        elif threading.current_thread() is self._io_thread:
            fn()
        else:
            loop.call_soon_threadsafe(fn)

    def _later(self, seconds: float, fn: Callable[[], None]) -> None:
        """Runs `fn` on the I/O thread after `seconds` (I/O thread only)."""
        assert self._loop is not None
        self._loop.call_later(max(seconds, 0.0), lambda: None if self._closing else fn())

    def _deliver(self, event: str, payload: Any) -> None:
        """Queues the developer's callbacks for one event (I/O thread)."""
        if self._runner is None:
            return
        for fn in self._callbacks.get(event, ()):
            self._runner.post(fn, payload)
        for fn in self._callbacks.get("*", ()):
            self._runner.post(fn, event, payload)

    def _post(self, fn: Callback, *args: Any) -> None:
        """Runs `fn(*args)` on the callback thread, after the callbacks already queued."""
        if self._runner is not None:
            self._runner.post(fn, *args)

    def _update_done(self) -> None:
        self._all_finished = bool(self._views) and not self._keeps_running() and \
            all(v.finished for v in self._views.values())
        if self._all_finished:
            # Through the callback thread: wait() returns once the callbacks of the battles'
            # last events have run, so a script that reads what they stored sees it all.
            self._post(lambda: self._done.set() if self._all_finished else None)

    # -- internals: the connection ------------------------------------------------------------

    def _in_loop(self, coro: Any, timeout: float) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _read(self, fn: Callable[[], T]) -> T:
        """Reads SDK state consistently: on the I/O thread while it runs."""
        loop = self._loop
        if loop is None or not loop.is_running() or threading.current_thread() is self._io_thread:
            return fn()

        async def run() -> T:
            return fn()
        return self._in_loop(run(), 10)

    async def _connect(self) -> None:
        sio = socketio.AsyncClient(reconnection=True, reconnection_attempts=0,
                                   reconnection_delay=self.reconnect_delay,
                                   reconnection_delay_max=self.reconnect_delay_max,
                                   handle_sigint=False)
        sio.on("connect", self._handle_connect)
        sio.on("disconnect", self._handle_disconnect)
        sio.on("connect_error", self._handle_connect_error)
        sio.on("*", self._handle_event)
        self._sio = sio
        try:
            await sio.connect(self.url, auth={"token": self.api_key} if self.api_key else None,
                              transports=self.transports, wait_timeout=self.connect_timeout)
        except socketio.exceptions.ConnectionError as error:
            refusal = self._refusal or {}
            data = refusal.get("data")
            code = str((data.get("code") if isinstance(data, dict) else None) or "UNREACHABLE")
            message = str(refusal.get("message") or error)
            raise ConnectError(code, message) from None

    async def _shutdown(self) -> None:
        if self._sio is not None:
            await self._sio.shutdown()

    def _handle_connect(self) -> None:
        if self._closing:
            return
        self._linked = True
        if self.stats.connects:
            self.stats.reconnects += 1
        self.stats.connects += 1
        for view in self._views.values():
            if not view.finished:
                self._join(view)
        self._on_link_up()

    def _handle_disconnect(self, reason: Any = None) -> None:
        self._linked = False
        for view in self._views.values():
            view.joined = False
        lost = list(self._requests.values())
        self._requests.clear()
        for request in lost:
            request.on_done(ConnectionLost(request.event))
        self._on_link_down()
        if self._closing:
            return
        log.info("disconnected (%s); reconnecting", reason)
        sio = self._sio
        if sio is not None and reason == sio.reason.SERVER_DISCONNECT:
            # python-socketio reconnects after a drop, not after the server let us go.
            asyncio.ensure_future(self._reconnect_after_kick(sio))

    async def _reconnect_after_kick(self, sio: socketio.AsyncClient) -> None:
        delay = self.reconnect_delay
        while not self._closing and not sio.connected:
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.reconnect_delay_max)
            try:
                await sio.connect(self.url,
                                  auth={"token": self.api_key} if self.api_key else None,
                                  transports=self.transports, wait_timeout=self.connect_timeout)
            except socketio.exceptions.ConnectionError as error:
                log.info("reconnect failed: %s", error)

    def _handle_connect_error(self, data: Any = None) -> None:
        self._refusal = data if isinstance(data, dict) else {"message": str(data)}
        log.warning("connection refused: %s", data)

    def _join(self, view: BattleView) -> None:
        payload: dict[str, Any] = {"battleId": view.id}
        if self._role is not None:
            payload["role"] = self._role
        view.replaying = view.last_seq is not None
        if view.replaying:
            payload["sinceSeq"] = view.last_seq

        def joined(result: dict[str, Any] | MoltArenaError) -> None:
            if isinstance(result, MoltArenaError) and not isinstance(result, ConnectionLost):
                if result.code == "RATE_LIMITED":
                    self._later((result.retry_after_ms or DEFAULT_RETRY_AFTER_MS) / 1000,
                                lambda: self._join(view) if self._linked else None)
                    return
                log.error("cannot join %s: %s", view.id, result)
                view.error = result
                self._update_done()
            # Success is handled with the battle:connected event, in wire order.
        self._send("battle:join", payload, joined)

    # -- internals: events ------------------------------------------------------------------------

    def _handle_event(self, event: str, *args: Any) -> None:
        self._received += 1
        data = args[0] if args else None
        try:
            payload = parse_event(event, data)
        except PayloadError as error:
            self.stats.unparsed_payloads += 1
            log.warning("cannot parse %s %r: %s", event, data, error)
            self._deliver(event, data)
            return
        view = None
        battle_id = getattr(payload, "battle_id", None)
        if isinstance(battle_id, str):
            view = self._views.get(battle_id)
        if view is not None and event in LOGGED_EVENTS:
            seq: int = getattr(payload, "seq")
            if view.last_seq is not None:
                if seq <= view.last_seq:
                    self.stats.duplicates_dropped += 1
                    log.warning("dropped %s seq %d of %s: already seen up to %d",
                                event, seq, view.id, view.last_seq)
                    return
                if seq != view.last_seq + 1:
                    self.stats.gaps += 1
                    log.warning("%s of %s: seq %d after %d, events missing",
                                event, view.id, seq, view.last_seq)
            view.last_seq = seq
        self._book(event, payload, view)
        self._on_event(event, payload, view)
        self._deliver(event, payload)
        if view is not None:
            self._update_done()

    def _book(self, event: str, payload: Any, view: BattleView | None) -> None:
        """The SDK's own record of what happened."""
        if isinstance(payload, Connected):
            self.me = payload.agent
            self._greeted.set()
        elif isinstance(payload, RateLimitExceeded):
            self._rate_notices[payload.event] = (self._received, payload.retry_after_ms)
        elif isinstance(payload, ServerShutdown):
            log.info("the server is shutting down; reconnecting in about %d ms",
                     payload.reconnect_after_ms)
        if view is None:
            return
        if isinstance(payload, BattleConnected):
            snap = payload.battle
            view.snapshot = snap
            view.joined = True
            view.status = snap.status
            if snap.results is not None:
                view.results = snap.results
            if view.last_seq is None or not view.replaying:
                # Joined without a replay: the snapshot is the starting point.
                view.last_seq = max(view.last_seq or 0, snap.seq)
            elif snap.seq > view.last_seq:
                # The replay ends at the snapshot: what lies between will never come.
                self.stats.gaps += 1
                log.warning("%s: replay ended at seq %d, the snapshot is at %d",
                            view.id, view.last_seq, snap.seq)
                view.last_seq = snap.seq
            for turn in snap.turns:
                view.add_turn(turn.turn_id, turn.round, turn.agent_id, turn.content)
        elif isinstance(payload, Turn):
            view.add_turn(payload.turn_id, payload.round, payload.agent_id, payload.content)
        elif isinstance(payload, StateChanged):
            view.status = payload.status
        elif isinstance(payload, BattleResults):
            view.results = payload.as_results()


def new_client_turn_id() -> str:
    """A fresh `clientTurnId`: unique per turn, so a resent turn is recognised as the same."""
    return "sdk-" + uuid.uuid4().hex


def as_list(battles: str | Iterable[str] | None) -> list[str]:
    """Battle ids given as one id, several, or none."""
    if battles is None:
        return []
    if isinstance(battles, str):
        return [battles]
    return list(battles)
