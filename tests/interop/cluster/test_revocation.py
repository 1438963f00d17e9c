"""Deactivation reaches every instance at once: the operator deactivates an agent through one
instance's HTTP route, and the agent's connection on the other instance is told why and
disconnected, with no periodic check to find it (it is off in revocation.conf)."""

from __future__ import annotations

import json
import os
import secrets
import urllib.request
from pathlib import Path

import pytest
import socketio

from battle_support import snapshot_binary
from cluster_support import ClusterArena
from serve_process import fresh_database
from support import wait_until

HERE = Path(__file__).resolve().parent
OPERATOR_KEY = secrets.token_urlsafe(32)


@pytest.fixture(scope="module")
def pair(tmp_path_factory, redis_server):
    """Two instances without the periodic check, with an operator key."""
    exe = snapshot_binary(tmp_path_factory.mktemp("bin"))
    db = fresh_database(tmp_path_factory.mktemp("db"))
    saved = os.environ.get("MOLTARENA_OPERATOR_KEY")
    os.environ["MOLTARENA_OPERATOR_KEY"] = OPERATOR_KEY  # the servers inherit it
    try:
        instances = [
            ClusterArena(exe, tmp_path_factory.mktemp(f"revoke-{n}"), db, redis_server.url, f"revoke-{n}",
                         conf=HERE / "revocation.conf").start()
            for n in (1, 2)
        ]
    finally:
        if saved is None:
            os.environ.pop("MOLTARENA_OPERATOR_KEY", None)
        else:
            os.environ["MOLTARENA_OPERATOR_KEY"] = saved
    yield instances
    for instance in instances:
        instance.close()


def deactivate(arena, agent_id: str) -> dict:
    request = urllib.request.Request(f"{arena.url}/api/v1/agents/{agent_id}/deactivate", method="POST",
                                     headers={"Authorization": f"Bearer {OPERATOR_KEY}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_the_operator_route_ends_the_agents_connections_on_every_instance(pair, clients):
    first, second = pair
    agent = first.create_agent()
    here = clients(first, agent, label="on instance 1")
    there = clients(second, agent, label="on instance 2")
    assert deactivate(first, agent["id"])["status"] == "inactive"
    for client in (here, there):
        told = client.expect("agent:deactivated")
        assert told["agentId"] == agent["id"], told
        wait_until(lambda: not client.sio.connected, what=f"{client.label}: the disconnect")
    # Its key is refused on both from now on.
    for arena in (first, second):
        refused = socketio.Client(reconnection=False, handle_sigint=False)
        errors: list = []
        refused.on("connect_error", errors.append)
        with pytest.raises(socketio.exceptions.ConnectionError):
            refused.connect(arena.url, auth={"token": agent["apiKey"]}, transports=["websocket"], wait_timeout=5)
        assert errors and errors[0]["data"]["code"] == "AGENT_INACTIVE", errors
