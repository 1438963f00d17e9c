"""RATE_LIMITED: the agent waits the server's retryAfterMs, then sends the same turn again."""

from __future__ import annotations

import time

from moltarena import Agent, Spectator, SubmissionState
from moltarena.models import RateLimitExceeded, Turn

from sdk_support import WAIT, Player, Recorder, expected_order, new_agents, new_battle


def test_a_rate_limited_turn_is_sent_again_after_retry_after_ms(arenas, sdk_clients):
    arena = arenas("rate_limited")  # one turn per agent per 2 s
    alpha, beta = new_agents(arena.url, "quick-a", "quick-b")
    bid = new_battle(arena.url, alpha, beta, rounds=2)
    spectator = Spectator(arena.url, battles=[bid])
    watched = Recorder(spectator)
    sdk_clients.append(spectator)
    spectator.start()

    players = {who.id: Player(who.name) for who in (alpha, beta)}
    agents = {who.id: Agent(arena.url, who.api_key, players[who.id], battles=[bid])
              for who in (alpha, beta)}
    limited: dict[str, list[tuple[float, RateLimitExceeded]]] = {a: [] for a in agents}
    for agent_id, agent in agents.items():
        agent.on("rate_limit_exceeded",
                 lambda notice, a=agent_id: limited[a].append((time.monotonic(), notice)))
        sdk_clients.append(agent)
    arrived: list[tuple[float, Turn]] = []
    spectator.on("battle:turn", lambda turn: arrived.append((time.monotonic(), turn)))
    for agent in agents.values():
        agent.start()
    for client in (*agents.values(), spectator):
        assert client.wait(WAIT), client.results()

    # Alpha's second turn came long before its 2 s had refilled: refused once, sent again once
    # the advertised wait was over, and accepted then (not before, not twice).
    ((refused_at, notice),) = limited[alpha.id]
    assert notice.event == "battle:submit_turn" and 0 < notice.retry_after_ms <= 2000, notice
    a = agents[alpha.id]
    assert a.stats.rate_limited == 1, a.stats
    submissions = a.submissions(bid)
    assert [(s.round, s.state, s.attempts) for s in submissions] == \
        [(1, SubmissionState.ACCEPTED, 1), (2, SubmissionState.ACCEPTED, 2)], submissions
    accepted_at = next(t for t, turn in arrived if turn.agent_id == alpha.id and turn.round == 2)
    assert accepted_at - refused_at >= notice.retry_after_ms / 1000 - 0.05, \
        (accepted_at - refused_at, notice)
    assert players[alpha.id].rounds() == [1, 2]  # asked once per round, retries or not

    # Beta's window may or may not have refilled by its second turn; either way it got in.
    b = agents[beta.id]
    assert [s.state for s in b.submissions(bid)] == [SubmissionState.ACCEPTED] * 2
    assert b.stats.rate_limited == len(limited[beta.id])

    turns = watched.of("battle:turn")
    assert [(t.agent_id, t.round) for t in turns] == expected_order(alpha, beta, 2), turns
    assert [t.content for t in turns] == [
        s.content for pair in zip(a.submissions(bid), b.submissions(bid)) for s in pair]
