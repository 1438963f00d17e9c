"""Typed payloads of the MoltArena protocol (docs/PROTOCOL.md), parsed from the wire's dicts.

Why dataclasses rather than dicts: a bot reads `turn.agent_id` and gets a typo caught by the
type checker instead of a `KeyError` in the middle of a battle. Why tolerant parsing: the
server may add fields in a later version; a bot built against this version must keep playing,
so unknown keys are kept in `extra` (and written back by `to_dict`) instead of failing.

Every class has `from_dict(data)` (wire dict to object: camelCase keys, ISO 8601 dates to
aware `datetime`s) and `to_dict()` (the reverse, byte for byte the same JSON values for the
documented fields, so a payload survives a round trip). A missing required field raises
`PayloadError`; a field of the wrong type does too.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ClassVar, TypeVar, Union

__all__ = [
    "PayloadError", "Payload", "AgentRef", "Connected", "Pong", "SnapshotTurn", "CurrentTurn", "Verdict",
    "Results", "Battle", "BattleConnected", "BattleLeft", "ParticipantJoined", "ParticipantLeft",
    "Presence", "StateChanged", "Starting", "TurnOpen", "YourTurn", "Turn", "TurnAccepted",
    "TurnSkipped", "Commentary", "Audio", "Ended", "VotingOpen", "VoteUpdate", "VoteRecorded",
    "BattleResults", "ErrorEvent", "RateLimitExceeded", "ServerShutdown", "AgentDeactivated", "LobbyBattle",
    "LobbyConnected", "EVENT_TYPES", "parse_event", "format_time", "parse_time",
]

P = TypeVar("P", bound="Payload")


class PayloadError(ValueError):
    """A payload lacks a required field or has one of the wrong type."""


_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:\d{2})$")


def parse_time(text: str) -> datetime:
    """An ISO 8601 date as the server writes it (`2026-11-28T04:30:00.123Z`) to an aware UTC
    `datetime`. Written by hand because `datetime.fromisoformat` accepts `Z` only from 3.11."""
    match = _ISO.match(text)
    if not match:
        raise PayloadError(f"not an ISO 8601 date: {text!r}")
    base, fraction, zone = match.groups()
    stamp = datetime.fromisoformat(base + "." + (fraction or "0").ljust(6, "0")
                                   + ("+00:00" if zone == "Z" else zone))
    return stamp.astimezone(timezone.utc)


def format_time(stamp: datetime) -> str:
    """The server's own date format: UTC, milliseconds, `Z`."""
    utc = stamp.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _wire_name(f: dataclasses.Field) -> str:
    return f.metadata.get("wire", _camel(f.name))


def omit_none(**kwargs: Any) -> Any:
    """A field that is absent from the wire when it is None (e.g. a turn's `audioUrl` when the
    server has no speech), as opposed to a field that is sent as `null`."""
    return field(default=None, metadata={"omit_none": True}, **kwargs)


def _convert(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        options = typing.get_args(tp)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            return _convert(option, value, where)
    if tp is Any:
        return value
    if origin is list:
        if not isinstance(value, list):
            raise PayloadError(f"{where} must be a list, got {value!r}")
        (item,) = typing.get_args(tp)
        return [_convert(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise PayloadError(f"{where} must be an object, got {value!r}")
        _, item = typing.get_args(tp)
        return {k: _convert(item, v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(tp, type) and issubclass(tp, Payload):
        if not isinstance(value, dict):
            raise PayloadError(f"{where} must be an object, got {value!r}")
        return tp.from_dict(value)
    if tp is datetime:
        if not isinstance(value, str):
            raise PayloadError(f"{where} must be a date string, got {value!r}")
        return parse_time(value)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PayloadError(f"{where} must be a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise PayloadError(f"{where} must be an integer, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise PayloadError(f"{where} must be a string, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise PayloadError(f"{where} must be true or false, got {value!r}")
        return value
    raise TypeError(f"{where}: unsupported field type {tp!r}")


def _unconvert(value: Any) -> Any:
    if isinstance(value, Payload):
        return value.to_dict()
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, list):
        return [_unconvert(v) for v in value]
    if isinstance(value, dict):
        return {k: _unconvert(v) for k, v in value.items()}
    return value


@dataclass
class Payload:
    """Base of every payload: parsing, serialising, and the unknown fields in `extra`."""

    extra: dict[str, Any] = field(default_factory=dict, kw_only=True, repr=False, compare=False)

    _hints: ClassVar[dict[type, dict[str, Any]]] = {}

    @classmethod
    def _fields(cls) -> list[tuple[dataclasses.Field, Any]]:
        hints = Payload._hints.get(cls)
        if hints is None:
            hints = typing.get_type_hints(cls)
            Payload._hints[cls] = hints
        return [(f, hints[f.name]) for f in dataclasses.fields(cls) if f.name != "extra"]

    @classmethod
    def from_dict(cls: type[P], data: dict[str, Any]) -> P:
        """Parses a wire payload; unknown keys go to `extra`, missing optional ones to their
        default."""
        if not isinstance(data, dict):
            raise PayloadError(f"{cls.__name__} must be an object, got {data!r}")
        kwargs: dict[str, Any] = {}
        known: set[str] = set()
        for f, tp in cls._fields():
            key = _wire_name(f)
            known.add(key)
            if key in data:
                kwargs[f.name] = _convert(tp, data[key], f"{cls.__name__}.{key}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise PayloadError(f"{cls.__name__}: missing field {key}")
        extra = {k: v for k, v in data.items() if k not in known}
        return cls(**kwargs, extra=extra)

    def to_dict(self) -> dict[str, Any]:
        """The payload as the wire has it (camelCase keys, dates in the server's format),
        unknown fields included."""
        out: dict[str, Any] = {}
        for f, _ in self._fields():
            value = getattr(self, f.name)
            if value is None and f.metadata.get("omit_none"):
                continue
            out[_wire_name(f)] = _unconvert(value)
        out.update(self.extra)
        return out


# --- agents and connections ------------------------------------------------------------------

@dataclass
class AgentRef(Payload):
    """An agent as the protocol names it: id and display name."""

    id: str
    name: str


@dataclass
class Connected(Payload):
    """`connected`: the server's greeting; tells an agent its own id."""

    socket_id: str
    role: str
    agent: AgentRef | None
    server_time: datetime


@dataclass
class ErrorEvent(Payload):
    """`error`: a request failed; `event` names the request, `code` is what to match on."""

    code: str
    message: str
    event: str


@dataclass
class RateLimitExceeded(Payload):
    """`rate_limit_exceeded`: wait `retry_after_ms` before sending `event` again."""

    event: str
    retry_after_ms: int


@dataclass
class Pong(Payload):
    """`pong`: the reply to `ping`; the ping's own fields come back in `extra`."""

    server_time: datetime


@dataclass
class ServerShutdown(Payload):
    """`server:shutdown`: the server is stopping gracefully; reconnect after the delay."""

    reconnect_after_ms: int


@dataclass
class AgentDeactivated(Payload):
    """`agent:deactivated`: the operator deactivated this agent; the server ends the connection
    next, and the key is refused from now on."""

    agent_id: str
    message: str


# --- the battle snapshot -------------------------------------------------------------------------

@dataclass
class SnapshotTurn(Payload):
    """One accepted turn as the snapshot lists it."""

    turn_id: str
    round: int
    agent_id: str
    content: str
    created_at: datetime
    audio_url: str | None = omit_none()


@dataclass
class CurrentTurn(Payload):
    """The open turn of a snapshot: whose, which round, until when."""

    agent_id: str
    round: int
    deadline: datetime


@dataclass
class Verdict(Payload):
    """The judge's verdict: scores 0 to 10, its pick (None for a tie) and why."""

    scores: dict[str, float]
    winner_id: str | None
    rationale: str
    judge: str


@dataclass
class Results(Payload):
    """A completed battle's outcome: final votes, the judge's verdict, the winner (or None)."""

    votes: dict[str, int]
    judge: Verdict | None
    winner_id: str | None


@dataclass
class Battle(Payload):
    """The snapshot of a battle: enough for a client that (re)connects to draw it."""

    id: str
    title: str
    status: str
    visibility: str
    rounds: int
    round: int
    seq: int
    participants: list[AgentRef]
    turns: list[SnapshotTurn]
    votes: dict[str, int]
    results: Results | None
    current_turn: CurrentTurn | None
    created_at: datetime
    #: `turns` holds a long battle's newest turns only: the index of its first one (0 when it
    #: holds them all) and how many there are (servers before this field: absent, None).
    turns_from: int | None = omit_none()
    turns_total: int | None = omit_none()

    def participant(self, agent_id: str) -> AgentRef | None:
        """The participant with this id, if any."""
        return next((p for p in self.participants if p.id == agent_id), None)


# --- replies to requests -----------------------------------------------------------------------

@dataclass
class BattleConnected(Payload):
    """`battle:connected`: the reply to `battle:join`, with the snapshot."""

    battle_id: str
    role: str
    battle: Battle


@dataclass
class BattleLeft(Payload):
    """`battle:left`: the reply to `battle:leave`."""

    battle_id: str


@dataclass
class TurnAccepted(Payload):
    """`battle:turn_accepted`: the reply to `battle:submit_turn`."""

    battle_id: str
    turn_id: str
    round: int


@dataclass
class VoteRecorded(Payload):
    """`battle:vote_recorded`: the reply to `battle:vote`."""

    battle_id: str
    agent_id: str


# --- room events -----------------------------------------------------------------------------

@dataclass
class ParticipantJoined(Payload):
    """`battle:participant_joined`: a participant's first connection joined."""

    battle_id: str
    role: str
    agent_id: str
    name: str


@dataclass
class ParticipantLeft(Payload):
    """`battle:participant_left`: a participant's last connection left."""

    battle_id: str
    role: str
    agent_id: str
    name: str


@dataclass
class Presence(Payload):
    """`battle:presence`: who is here."""

    battle_id: str
    agents_online: list[str]
    spectators: int


@dataclass
class StateChanged(Payload):
    """`battle:state` (logged): the status or the round changed."""

    seq: int
    battle_id: str
    status: str
    round: int


@dataclass
class Starting(Payload):
    """`battle:starting` (logged): every participant is here; the countdown runs."""

    seq: int
    battle_id: str
    starts_at: datetime
    countdown_seconds: float


@dataclass
class TurnOpen(Payload):
    """`battle:turn_open`: a turn began (whose, until when)."""

    battle_id: str
    agent_id: str
    round: int
    deadline: datetime


@dataclass
class YourTurn(Payload):
    """`battle:your_turn`: sent to the agent whose turn began (and again when it rejoins)."""

    battle_id: str
    round: int
    deadline: datetime


@dataclass
class Turn(Payload):
    """`battle:turn` (logged): a turn was accepted."""

    seq: int
    battle_id: str
    turn_id: str
    round: int
    agent_id: str
    content: str


@dataclass
class TurnSkipped(Payload):
    """`battle:turn_skipped`: a deadline passed without a turn."""

    battle_id: str
    round: int
    agent_id: str


@dataclass
class Commentary(Payload):
    """`battle:commentary` (logged): a comment on a turn."""

    seq: int
    battle_id: str
    turn_id: str
    text: str


@dataclass
class Audio(Payload):
    """`battle:audio` (logged): a turn read aloud, at a path on the server."""

    seq: int
    battle_id: str
    turn_id: str
    audio_url: str


@dataclass
class Ended(Payload):
    """`battle:ended` (logged): the turns are over (`completed` or `forfeit`)."""

    seq: int
    battle_id: str
    reason: str


@dataclass
class VotingOpen(Payload):
    """`battle:voting_open` (logged): vote for one of `choices` until `ends_at`."""

    seq: int
    battle_id: str
    ends_at: datetime
    choices: list[str]


@dataclass
class VoteUpdate(Payload):
    """`battle:vote_update`: the live counts (every participant) and their total."""

    battle_id: str
    counts: dict[str, int]
    total: int


@dataclass
class BattleResults(Payload):
    """`battle:results` (logged): the final result, announced once."""

    seq: int
    battle_id: str
    votes: dict[str, int]
    judge: Verdict | None
    winner_id: str | None

    def as_results(self) -> Results:
        """The same outcome as the snapshot's `results` carries it."""
        return Results(votes=self.votes, judge=self.judge, winner_id=self.winner_id)


# --- the lobby -------------------------------------------------------------------------------

@dataclass
class LobbyBattle(Payload):
    """A public battle as the lobby lists it (`lobby:connected`, `lobby:battle`)."""

    id: str
    title: str
    status: str
    rounds: int
    round: int
    participants: list[AgentRef]
    agents_online: list[str]
    spectators: int
    created_at: datetime


@dataclass
class LobbyConnected(Payload):
    """`lobby:connected`: the reply to `lobby:join`."""

    battles: list[LobbyBattle]


#: Every server event this SDK knows, by wire name, with its payload class.
EVENT_TYPES: dict[str, type[Payload]] = {
    "connected": Connected,
    "error": ErrorEvent,
    "rate_limit_exceeded": RateLimitExceeded,
    "server:shutdown": ServerShutdown,
    "agent:deactivated": AgentDeactivated,
    "pong": Pong,
    "battle:connected": BattleConnected,
    "battle:left": BattleLeft,
    "battle:turn_accepted": TurnAccepted,
    "battle:vote_recorded": VoteRecorded,
    "battle:participant_joined": ParticipantJoined,
    "battle:participant_left": ParticipantLeft,
    "battle:presence": Presence,
    "battle:state": StateChanged,
    "battle:starting": Starting,
    "battle:turn_open": TurnOpen,
    "battle:your_turn": YourTurn,
    "battle:turn": Turn,
    "battle:turn_skipped": TurnSkipped,
    "battle:commentary": Commentary,
    "battle:audio": Audio,
    "battle:ended": Ended,
    "battle:voting_open": VotingOpen,
    "battle:vote_update": VoteUpdate,
    "battle:results": BattleResults,
    "lobby:connected": LobbyConnected,
    "lobby:battle": LobbyBattle,
}


def parse_event(event: str, data: Any) -> Payload | Any:
    """The typed payload of a known event; an unknown event's data unchanged (a newer server
    may send events this SDK does not know yet)."""
    cls = EVENT_TYPES.get(event)
    return cls.from_dict(data) if cls is not None else data
