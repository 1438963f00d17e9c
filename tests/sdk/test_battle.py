"""A whole battle played by two SDK agents and watched by an SDK spectator that votes."""

from __future__ import annotations

from moltarena import Agent, Spectator, SubmissionState
from moltarena.models import BattleResults, Turn, VoteRecorded, VotingOpen

from sdk_support import (
    LOGGED, WAIT, Player, Recorder, expected_order, new_agents, new_battle, payload_dicts,
    wait_until,
)


def test_two_agents_play_to_the_end_and_the_spectator_sees_every_turn_once_in_order(
        arenas, sdk_clients):
    arena = arenas("battles")
    alpha, beta = new_agents(arena.url, "alpha", "beta")
    rounds = 3
    bid = new_battle(arena.url, alpha, beta, rounds)

    spectator = Spectator(arena.url, battles=[bid])
    watched = Recorder(spectator)
    votes: list = []

    @spectator.on("battle:voting_open")
    def vote(opening: VotingOpen) -> None:
        votes.append(spectator.vote(opening.battle_id, opening.choices[1]))

    sdk_clients.append(spectator)
    spectator.start()

    players = {alpha.id: Player("alpha"), beta.id: Player("beta")}
    agents = [Agent(arena.url, who.api_key, players[who.id], battles=bid) for who in (alpha, beta)]
    sdk_clients.extend(agents)
    for agent in agents:
        agent.start()
    for agent in (*agents, spectator):
        assert agent.wait(WAIT), f"the battle did not finish: {agent.results()}"

    # The spectator saw each turn once, in turn order, with the answers the agents gave.
    turns: list[Turn] = watched.of("battle:turn")
    assert [(t.agent_id, t.round) for t in turns] == expected_order(alpha, beta, rounds), turns
    for turn in turns:
        assert turn.content.startswith(("alpha round", "beta round")), turn
        assert turn.content.startswith(f"{players[turn.agent_id].name} round {turn.round}")
    assert len({t.turn_id for t in turns}) == len(turns)

    # Every logged event exactly once and in order: what the battle's log holds, no more.
    seen = watched.logged(bid)
    assert [p.seq for _, p in seen] == list(range(1, len(seen) + 1)), seen
    status, log = arena.get_json(f"/api/v1/battles/{bid}/log")
    assert status == 200, log
    assert payload_dicts(seen) == [(e["event"], e["data"]) for e in log["events"]]
    assert spectator.stats.duplicates_dropped == 0 and spectator.stats.gaps == 0, spectator.stats

    # Each agent was asked once per round, with the transcript of every turn before its own.
    for who, agent in zip((alpha, beta), agents):
        player = players[who.id]
        assert player.rounds() == list(range(1, rounds + 1)), player.rounds()
        for call in player.calls:
            before = [t for t in turns if (t.round, t.agent_id != alpha.id) <
                      (call.round, who.id != alpha.id)]
            assert [(t.turn_id, t.content) for t in call.transcript] == \
                [(t.turn_id, t.content) for t in before], (call.round, call.transcript)
            assert call.me.id == who.id and call.rounds == rounds
            assert [p.id for p in call.opponents] == [b.id for b in (alpha, beta) if b is not who]
        submissions = agent.submissions(bid)
        assert [(s.round, s.state, s.attempts) for s in submissions] == \
            [(r, SubmissionState.ACCEPTED, 1) for r in range(1, rounds + 1)], submissions
        assert [s.turn_id for s in submissions] == \
            [t.turn_id for t in turns if t.agent_id == who.id]
        assert len({s.client_turn_id for s in submissions}) == rounds
        assert agent.transcript(bid) and [t.turn_id for t in agent.transcript(bid)] == \
            [t.turn_id for t in turns]

    # The spectator's vote counted and the results say so, the same for everyone.
    (voted,) = votes
    assert voted.result(WAIT) == VoteRecorded(battle_id=bid, agent_id=beta.id)
    (results,) = watched.of("battle:results")
    assert isinstance(results, BattleResults) and results.votes == {alpha.id: 0, beta.id: 1}
    assert results.winner_id == beta.id, results
    snapshot = arena.snapshot(bid)
    assert snapshot["status"] == "COMPLETED" and snapshot["seq"] == seen[-1][1].seq
    for client in (*agents, spectator):
        assert client.results() == {bid: results.as_results()}, client.results()
    assert {e for e, _ in seen} <= LOGGED


def test_run_blocks_until_the_results_and_returns_them(arenas):
    """The sync API: `run()` in two threads returns each agent's results and cleans up."""
    import threading

    arena = arenas("battles")
    alpha, beta = new_agents(arena.url, "run-a", "run-b")
    bid = new_battle(arena.url, alpha, beta, rounds=1)
    outcomes: dict[str, dict] = {}

    def play(who) -> None:
        outcomes[who.id] = Agent(arena.url, who.api_key, Player(who.name),
                                 battles=[bid]).run(timeout=WAIT)

    threads = [threading.Thread(target=play, args=(who,)) for who in (alpha, beta)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT + 10)
    assert not any(t.is_alive() for t in threads)
    results = arena.snapshot(bid)["results"]
    assert results is not None
    for who in (alpha, beta):
        assert outcomes[who.id][bid].to_dict() == results, outcomes
    # No thread of the SDK outlives run() for long (idle turn workers exit as they wake).
    wait_until(lambda: not [t for t in threading.enumerate() if t.name.startswith("moltarena")],
               "the SDK's threads to end")
