"""Connection plugin through real clients: handshake with API keys (auth payload and
Authorization header), the `connected` greeting, `ping`, error replies, and the
agents / health / metrics HTTP endpoints (CONTRACT sections 3 and 4)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
import socketio

KEY_SHAPE = re.compile(r"^moltarena_sk_[A-Za-z0-9_-]{43,}$")
UNKNOWN_KEY = "moltarena_sk_" + "A" * 43  # the shape of a key, but nobody's


def parse_time(text: str) -> datetime:
    stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert stamp.tzinfo is not None, f"serverTime without a zone: {text!r}"
    return stamp


def assert_recent(text: str) -> None:
    skew = abs((datetime.now(timezone.utc) - parse_time(text)).total_seconds())
    assert skew < 60, f"serverTime {text!r} is {skew:.0f} s off this machine's clock"


def assert_connected(peer, role: str, agent: dict | None) -> dict:
    hello = peer.data("connected")
    assert set(hello) == {"socketId", "role", "agent", "serverTime"}, hello
    assert hello["role"] == role
    assert hello["agent"] == (None if agent is None else {"id": agent["id"], "name": agent["name"]})
    assert hello["socketId"] == peer.sio.get_sid("/"), "socketId is the Socket.IO sid"
    assert_recent(hello["serverTime"])
    return hello


def rejected(peer, *, auth=None, headers=None) -> dict:
    """Connects expecting CONNECT_ERROR; returns what python-socketio hands to the
    `connect_error` handler."""
    with pytest.raises(socketio.exceptions.ConnectionError):
        peer.connect(auth=auth, headers=headers)
    assert not peer.sio.connected
    # python-socketio 5 passes the CONNECT_ERROR packet's payload object as the one
    # argument of `connect_error`: {"message": ..., "data": {...}}.
    args = peer.expect("connect_error")
    assert len(args) == 1, args
    (payload,) = args
    assert isinstance(payload.get("message"), str) and payload["message"], payload
    return payload


# --- handshake -------------------------------------------------------------------

def test_agent_connects_with_key_from_cli(arena, clients):
    agent = arena.create_agent()
    assert KEY_SHAPE.match(agent["apiKey"]), agent["apiKey"]
    peer = clients(token=agent["apiKey"])
    assert_connected(peer, "agent", agent)


def test_agent_connects_with_bearer_header(arena, clients):
    agent = arena.create_agent()
    peer = clients(headers={"Authorization": f"Bearer {agent['apiKey']}"})
    assert_connected(peer, "agent", agent)


def test_anonymous_client_is_a_spectator(clients):
    peer = clients()
    assert_connected(peer, "spectator", None)


def test_empty_auth_object_is_a_spectator(clients):
    peer = clients(auth={})
    assert_connected(peer, "spectator", None)


@pytest.mark.parametrize("key", [UNKNOWN_KEY, "not-a-key", "moltarena_sk_short"],
                         ids=["unknown", "garbage", "truncated"])
def test_bad_key_gets_connect_error_invalid_api_key(clients, key):
    peer = clients(connect=False)
    payload = rejected(peer, auth={"token": key})
    assert payload["data"] == {"code": "INVALID_API_KEY"}, payload
    assert peer.queue("/", "connected").empty()


@pytest.mark.parametrize("token", [42, ["moltarena_sk_x"], {"key": "x"}],
                         ids=["number", "list", "object"])
def test_token_that_is_not_a_string_gets_invalid_api_key(clients, token):
    peer = clients(connect=False)
    payload = rejected(peer, auth={"token": token})
    assert payload["data"] == {"code": "INVALID_API_KEY"}, payload


def test_bad_bearer_header_gets_invalid_api_key(clients):
    peer = clients(connect=False)
    payload = rejected(peer, headers={"Authorization": f"Bearer {UNKNOWN_KEY}"})
    assert payload["data"]["code"] == "INVALID_API_KEY", payload


def test_inactive_agent_gets_agent_inactive(arena, clients):
    agent = arena.create_agent()
    shown = arena.deactivate_agent(agent["id"])
    assert shown["id"] == agent["id"] and shown["status"] == "inactive", shown
    assert "apiKey" not in shown
    peer = clients(connect=False)
    payload = rejected(peer, auth={"token": agent["apiKey"]})
    assert payload["data"]["code"] == "AGENT_INACTIVE", payload
    # ... with the header too.
    peer = clients(connect=False)
    payload = rejected(peer, headers={"Authorization": f"Bearer {agent['apiKey']}"})
    assert payload["data"]["code"] == "AGENT_INACTIVE", payload


def test_refused_client_may_connect_again_with_a_good_key(arena, clients):
    agent = arena.create_agent()
    peer = clients(connect=False)
    assert rejected(peer, auth={"token": UNKNOWN_KEY})["data"]["code"] == "INVALID_API_KEY"
    peer.connect(auth={"token": agent["apiKey"]})
    assert_connected(peer, "agent", agent)


# --- events ------------------------------------------------------------------------

def test_ping_acks_and_emits_pong(arena, clients):
    peer = clients(token=arena.create_agent()["apiKey"])
    ack = peer.ok("ping", {"n": 1})
    pong = peer.data("pong")
    assert pong["n"] == 1 and set(pong) == {"serverTime", "n"}, pong
    assert_recent(pong["serverTime"])
    assert ack == {"ok": True, **pong}, "the ack is {ok:true} plus the reply event's fields"


def test_unknown_event_gets_unknown_event(arena, clients):
    peer = clients(token=arena.create_agent()["apiKey"])
    peer.fails("no:such:event", {"a": 1}, code="UNKNOWN_EVENT")
    # Without an ack: the `error` event alone.
    peer.emit("no:such:event")
    error = peer.data("error")
    assert error["code"] == "UNKNOWN_EVENT" and error["event"] == "no:such:event", error


def test_unknown_event_from_spectator(clients):
    peer = clients()
    peer.fails("battle:explode", {}, code="UNKNOWN_EVENT")


@pytest.mark.parametrize("event,payload", [
    ("battle:join", {}),
    ("battle:join", "btl_as_a_string"),
    ("battle:join", {"battleId": 42}),
    ("battle:join", {"battleId": ""}),
    ("battle:join", {"battleId": "x", "sinceSeq": -1}),
    ("battle:join", {"battleId": "x", "role": "referee"}),
    ("battle:leave", []),
    ("ping", "not an object"),
], ids=["join-empty", "join-string", "join-number-id", "join-empty-id", "join-negative-seq",
        "join-bad-role", "leave-array", "ping-string"])
def test_malformed_payload_gets_invalid_payload(arena, clients, event, payload):
    peer = clients(token=arena.create_agent()["apiKey"])
    peer.fails(event, payload, code="INVALID_PAYLOAD")


def test_event_without_payload_gets_invalid_payload(arena, clients):
    peer = clients(token=arena.create_agent()["apiKey"])
    peer.fails("battle:join", code="INVALID_PAYLOAD")


# --- HTTP ----------------------------------------------------------------------------

def test_http_create_agent_then_me(arena):
    created = arena.http("POST", "/api/v1/agents", {"name": "Http Agent"})
    assert created.status == 201, created
    agent = created.json()
    assert set(agent) >= {"id", "name", "status", "apiKey"}, agent
    assert agent["name"] == "Http Agent" and agent["status"] == "active"
    assert KEY_SHAPE.match(agent["apiKey"]), agent

    me = arena.http("GET", "/api/v1/agents/me", token=agent["apiKey"])
    assert me.status == 200, me
    shown = me.json()
    assert {k: shown[k] for k in ("id", "name", "status")} == \
        {"id": agent["id"], "name": "Http Agent", "status": "active"}
    assert "apiKey" not in shown and agent["apiKey"] not in me.text, "the key is shown only once"


def test_http_agent_key_works_on_the_socket(arena, clients):
    agent = arena.http("POST", "/api/v1/agents", {"name": "Socket Agent"}).json()
    peer = clients(token=agent["apiKey"])
    assert_connected(peer, "agent", agent)


@pytest.mark.parametrize("token", [UNKNOWN_KEY, "garbage", None], ids=["unknown", "garbage", "none"])
def test_http_me_with_bad_key_is_401(arena, token):
    answer = arena.http("GET", "/api/v1/agents/me", token=token)
    assert answer.status == 401, answer
    body = answer.json()
    assert body["error"]["code"] == "INVALID_API_KEY", body
    assert isinstance(body["error"]["message"], str), body


def test_http_me_of_inactive_agent_is_refused(arena):
    agent = arena.create_agent()
    arena.deactivate_agent(agent["id"])
    answer = arena.http("GET", "/api/v1/agents/me", token=agent["apiKey"])
    assert answer.status in (401, 403), answer
    assert answer.json()["error"]["code"] == "AGENT_INACTIVE", answer


@pytest.mark.parametrize("body", [b"{}", b'{"name": ""}', b"not json", b'{"name": 5}'],
                         ids=["no-name", "empty-name", "not-json", "number-name"])
def test_http_create_agent_bad_body_is_400(arena, body):
    answer = arena.http("POST", "/api/v1/agents", raw_body=body)
    assert answer.status == 400, answer
    assert answer.json()["error"]["code"] == "INVALID_PAYLOAD", answer


def test_health(arena):
    answer = arena.http("GET", "/health")
    assert answer.status == 200, answer
    assert answer.json() == {"status": "ok", "database": "ok"}


SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?([0-9.eE+-]+|NaN|[+-]Inf)( -?[0-9]+)?$')


def test_metrics_is_prometheus_text(arena, clients):
    # Something to count first: a connection and a handled event.
    peer = clients(token=arena.create_agent()["apiKey"])
    peer.ok("ping", {})
    answer = arena.http("GET", "/metrics")
    assert answer.status == 200, answer
    assert answer.headers.get("Content-Type", "").replace(" ", "") == "text/plain;version=0.0.4"
    lines = [line for line in answer.text.splitlines() if line.strip()]
    samples = [line for line in lines if not line.startswith("#")]
    assert samples, f"no samples after a connection and an event:\n{answer.text}"
    for line in lines:
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* ", line), line
        else:
            assert SAMPLE.match(line), f"not a Prometheus sample line: {line!r}"
