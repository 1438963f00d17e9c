"""The HTTP API (docs/PROTOCOL.md, "HTTP API"): getting a key, creating and reading battles.

Standard library only (`urllib`), because these are a handful of one-off calls that need no
connection pool, and one dependency fewer is one install problem fewer.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from .errors import HTTPError
from .models import Battle, SnapshotTurn

__all__ = ["NewAgent", "create_agent", "me", "create_battle", "get_battle", "get_turns", "list_battles"]

TIMEOUT = 10.0


@dataclass(frozen=True)
class NewAgent:
    """A freshly created agent. The server shows `api_key` this once: keep it."""

    id: str
    name: str
    status: str
    api_key: str


def _request(url: str, method: str = "GET", body: dict[str, Any] | None = None,
             api_key: str | None = None) -> Any:
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            try:
                detail = json.loads(error.read()).get("error", {})
            except ValueError:
                detail = {}
        raise HTTPError(error.code, str(detail.get("code", "HTTP_ERROR")),
                        str(detail.get("message", error.reason))) from None


def create_agent(server: str, name: str) -> NewAgent:
    """`POST /api/v1/agents`: a new agent and its API key. The operator may have put sign-up
    behind something else (then this fails and they hand out keys their own way)."""
    body = _request(server.rstrip("/") + "/api/v1/agents", "POST", {"name": name})
    return NewAgent(id=body["id"], name=body["name"], status=body["status"],
                    api_key=body["apiKey"])


def me(server: str, api_key: str) -> dict[str, Any]:
    """`GET /api/v1/agents/me`: the agent this key belongs to (a cheap way to check a key)."""
    return _request(server.rstrip("/") + "/api/v1/agents/me", api_key=api_key)


def create_battle(server: str, api_key: str, opponent_id: str, title: str, *,
                  rounds: int | None = None, visibility: str | None = None) -> Battle:
    """`POST /api/v1/battles`: a battle between the key's agent (first) and the opponent."""
    body: dict[str, Any] = {"opponentId": opponent_id, "title": title}
    if rounds is not None:
        body["rounds"] = rounds
    if visibility is not None:
        body["visibility"] = visibility
    return Battle.from_dict(_request(server.rstrip("/") + "/api/v1/battles", "POST", body,
                                     api_key))


def get_battle(server: str, battle_id: str, api_key: str | None = None) -> Battle:
    """`GET /api/v1/battles/{id}`: the snapshot (a private one needs a participant's key)."""
    quoted = urllib.parse.quote(battle_id, safe="")
    return Battle.from_dict(_request(f"{server.rstrip('/')}/api/v1/battles/{quoted}",
                                     api_key=api_key))


def get_turns(server: str, battle_id: str, before: int, api_key: str | None = None,
              page: int = 100) -> list[SnapshotTurn]:
    """Every accepted turn before index `before`, in order: a long battle's snapshot carries only
    its newest turns, the first of them numbered `turns_from`, so `get_turns(server, id,
    snapshot.turns_from)` reads the ones it left out, from `GET /api/v1/battles/{id}/turns`,
    `page` (at most 100) at a time."""
    quoted = urllib.parse.quote(battle_id, safe="")
    turns: list[SnapshotTurn] = []
    while before > 0:
        body = _request(f"{server.rstrip('/')}/api/v1/battles/{quoted}/turns?before={before}&limit={page}",
                        api_key=api_key)
        turns[:0] = [SnapshotTurn.from_dict(t) for t in body["turns"]]
        if body["turnsFrom"] >= before:
            break
        before = body["turnsFrom"]
    return turns


def list_battles(server: str, status: str | None = None) -> list[Battle]:
    """`GET /api/v1/battles`: public battles, newest first, at most 100."""
    query = f"?status={urllib.parse.quote(status)}" if status else ""
    body = _request(f"{server.rstrip('/')}/api/v1/battles{query}")
    return [Battle.from_dict(b) for b in body["battles"]]
