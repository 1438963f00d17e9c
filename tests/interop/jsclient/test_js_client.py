"""A whole battle played and watched with the official JavaScript client (socket.io-client
4.8.3): what most users run. Agents and a spectator on each transport."""

from __future__ import annotations

import uuid

import pytest

LOGGED = ("battle:state", "battle:starting", "battle:turn", "battle:commentary", "battle:ended", "battle:results")


@pytest.mark.parametrize("transport", ["default", "websocket", "polling"])
def test_a_battle_with_the_official_client(arena, js_clients, transport):
    tag = uuid.uuid4().hex[:6]
    alpha, beta = arena.create_agent(f"alpha-{tag}"), arena.create_agent(f"beta-{tag}")
    bid = arena.create_battle([alpha, beta], rounds=2)["id"]

    watcher = js_clients(arena.url, None, transport)
    joined = watcher.call("battle:join", {"battleId": bid})
    assert joined["ok"] is True and joined["role"] == "spectator" and joined["battle"]["status"] == "LOBBY", joined

    a = js_clients(arena.url, alpha["apiKey"], transport)
    b = js_clients(arena.url, beta["apiKey"], transport)
    assert a.call("battle:join", {"battleId": bid})["role"] == "agent"
    assert b.call("battle:join", {"battleId": bid})["role"] == "agent"
    assert a.call("battle:submit_turn", {"battleId": bid, "content": "x"})["error"]["code"] in (
        "BATTLE_NOT_IN_PROGRESS", "NOT_YOUR_TURN")  # the countdown may or may not be over

    for round_ in (1, 2):
        for agent, name in ((a, "a"), (b, "b")):
            agent.wait_event("battle:your_turn", lambda d, r=round_: d["round"] == r)
            ack = agent.call("battle:submit_turn", {"battleId": bid, "content": f"{name} in round {round_}",
                                                    "clientTurnId": f"{name}-{round_}"})
            assert ack["ok"] is True and ack["round"] == round_, ack
            again = agent.call("battle:submit_turn", {"battleId": bid, "content": "retry",
                                                      "clientTurnId": f"{name}-{round_}"})
            assert again == ack, "a retry with the same clientTurnId gets the first answer"

    results = watcher.wait_event("battle:results")
    assert set(results) >= {"battleId", "votes", "judge", "winnerId", "seq"}, results
    turns = watcher.events("battle:turn")
    assert [t["content"] for t in turns] == ["a in round 1", "b in round 1", "a in round 2", "b in round 2"]
    logged = [line["data"]["seq"] for line in watcher.lines if line.get("event") in LOGGED]
    assert logged == list(range(logged[0], logged[0] + len(logged))), "every logged event once, in order"
    assert arena.snapshot(bid)["status"] == "COMPLETED"
