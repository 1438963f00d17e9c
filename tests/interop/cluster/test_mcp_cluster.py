"""MCP on a cluster: the endpoint keeps no session, so an LLM agent's requests may land on any
instance. Here they alternate between two instances on purpose (one of them does not run the
battle): the agent joins through one, waits for its turn on one and plays it through the other,
and the battle, played against a python-socketio agent, ends with every turn in order."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import requests

from battle_support import WAIT, snapshot_binary, take_turn, words
from cluster_support import ClusterArena
from serve_process import fresh_database

CONF = Path(__file__).resolve().parent / "mcp.conf"


@pytest.fixture(scope="module")
def mcp_pair(tmp_path_factory, redis_server):
    exe = snapshot_binary(tmp_path_factory.mktemp("bin"))
    db = fresh_database(tmp_path_factory.mktemp("db"))
    made = [ClusterArena(exe, tmp_path_factory.mktemp(f"mcp-{n}"), db, redis_server.url, f"mcp-{n}", CONF).start()
            for n in (1, 2)]
    yield made
    for arena in made:
        arena.close()


def tool(arena, key: str, name: str, arguments: dict) -> dict:
    """One MCP tools/call, as a Streamable HTTP client posts it, to this instance."""
    response = requests.post(
        f"{arena.url}/mcp",
        json={"jsonrpc": "2.0", "id": uuid.uuid4().hex, "method": "tools/call",
              "params": {"name": name, "arguments": arguments}},
        headers={"Authorization": f"Bearer {key}", "Accept": "application/json, text/event-stream"},
        timeout=WAIT + 30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "result" in body and not body["result"]["isError"], body
    return body["result"]["structuredContent"]


def test_an_mcp_agent_plays_through_either_instance(mcp_pair, clients):
    one, two = mcp_pair
    tag = uuid.uuid4().hex[:6]
    alpha, beta = one.create_agent(f"mcp-alpha-{tag}"), one.create_agent(f"beta-{tag}")
    rounds = 2
    battle = one.create_battle([alpha, beta], rounds=rounds)
    bid = battle["id"]
    key = alpha["apiKey"]

    assert tool(two, key, "join_battle", {"battleId": bid})["ok"] is True
    b = clients(one, beta)
    b.join(bid)
    played = []
    for round_ in range(1, rounds + 1):
        waits_on, plays_on = (two, one) if round_ % 2 else (one, two)
        view = tool(waits_on, key, "wait_for_turn", {"battleId": bid, "timeoutSeconds": 20})
        assert view["yourTurn"] is True and view["round"] == round_, view
        assert len(view["transcript"]) == 2 * (round_ - 1), view
        content = f"alpha round {round_} via {plays_on.instance_id}"
        accepted = tool(plays_on, key, "submit_turn", {"battleId": bid, "content": content,
                                                      "clientTurnId": f"round-{round_}"})
        assert accepted["ok"] is True and accepted["round"] == round_, accepted
        played.append(content)
        take_turn(b, bid, round_, words(f"b{round_}-", 5))
    last = tool(two, key, "wait_for_turn", {"battleId": bid, "timeoutSeconds": 20})
    assert last["turnsOver"] is True, last

    snapshot = one.snapshot(bid)
    turns = [(t["agentId"], t["round"]) for t in snapshot["turns"]]
    assert turns == [(who["id"], r) for r in range(1, rounds + 1) for who in (alpha, beta)], turns
    assert [t["content"] for t in snapshot["turns"] if t["agentId"] == alpha["id"]] == played
