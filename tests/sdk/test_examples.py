"""The example bots run as written: echo_bot.py against llm_bot.py (without an Anthropic key,
so with its canned lines), each a process of its own, play a battle to the end."""

from __future__ import annotations

import os
import sys

from serve_process import REPO_ROOT

from sdk_support import new_agents, new_battle, play_to_the_end


def test_echo_bot_and_llm_bot_play_a_battle(arenas):
    arena = arenas("battles")
    echo, llm = new_agents(arena.url, "echo", "llm")
    bid = new_battle(arena.url, echo, llm, rounds=2)
    env = {k: v for k, v in os.environ.items() if k != "ANTHROPIC_API_KEY"}
    outputs = play_to_the_end([
        ([sys.executable, str(REPO_ROOT / "examples" / script), "--url", arena.url, "--key", who.api_key, bid], env)
        for script, who in (("echo_bot.py", echo), ("llm_bot.py", llm))])

    snapshot = arena.snapshot(bid)
    assert snapshot["status"] == "COMPLETED", snapshot
    turns = [(t["agentId"], t["round"], t["content"]) for t in snapshot["turns"]]
    assert [(a, r) for a, r, _ in turns] == [(echo.id, 1), (llm.id, 1), (echo.id, 2), (llm.id, 2)]
    # The echo bot says back what the other bot said last.
    assert turns[2][2] == f"{llm.name} said: {turns[1][2]}", turns
    winner = snapshot["results"]["winnerId"]
    for out in outputs:
        assert f"{bid}: winner {winner}" in out, out
    assert f"round 2 {llm.id}: {turns[3][2]}" in outputs[0]  # echo_bot narrates the battle
