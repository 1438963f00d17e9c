"""The Turns plugin in mode "full" through the real server (voting not loaded): a whole battle
watched by spectators, and the submission errors."""

from __future__ import annotations

import time
import uuid

from battle_support import (
    LOGGED, assert_contiguous_log, statuses, submit, take_turn, words,
)


def test_two_round_battle_without_voting(arenas, clients):
    arena = arenas("turns")  # no [voting] table
    tag = uuid.uuid4().hex[:6]
    alpha = arena.create_agent(f"alpha-{tag}")
    beta = arena.create_agent(f"beta-{tag}")
    watcher = arena.create_agent(f"watcher-{tag}")
    battle = arena.create_battle([alpha, beta], rounds=2)
    bid = battle["id"]

    # Two spectators: an anonymous one, and an agent that is no participant.
    anon = clients(arena, label="anonymous spectator")
    joined = anon.join(bid)
    assert joined["role"] == "spectator", joined
    snap = joined["battle"]
    assert snap["status"] == "LOBBY" and snap["seq"] == 0 and snap["round"] == 0, snap
    assert snap["participants"] == [{"id": alpha["id"], "name": alpha["name"]},
                                    {"id": beta["id"], "name": beta["name"]}], snap
    assert snap["turns"] == [] and snap["votes"] == {} and snap["results"] is None, snap
    watching = clients(arena, watcher, label="agent spectator")
    assert watching.join(bid, role="spectator")["role"] == "spectator"

    a = clients(arena, alpha)
    assert a.join(bid)["role"] == "agent"
    # Only one participant is here: the battle has not started.
    a.fails("battle:submit_turn", submit(bid, "too early"), "BATTLE_NOT_IN_PROGRESS")

    b = clients(arena, beta)
    assert b.join(bid)["role"] == "agent"  # everyone is here: the countdown starts
    for spectator in (anon, watching):
        spectator.wait_state("IN_PROGRESS")

    contents = [
        (a, alpha, 1, words("opening", 30)),
        (b, beta, 1, "short reply"),
        (a, alpha, 2, words("closing", 30) + " \u00e9t\u00e9 \U0001f680"),
        (b, beta, 2, "last word"),
    ]
    acks = []
    for i, (agent, who, round_, content) in enumerate(contents):
        other = b if agent is a else a
        if i in (0, 1):
            # Whoever is not on turn is refused (after the turn has been offered).
            agent.wait_event("battle:your_turn", lambda d, r=round_: d["round"] == r)
            other.fails("battle:submit_turn", submit(bid, "out of turn"), "NOT_YOUR_TURN")
        ack = take_turn(agent, bid, round_, content, client_turn_id=f"{who['id']}-{i}")
        acks.append(ack)
        if i == 0:
            # A retry with the same clientTurnId gets the first answer and stores nothing.
            again = a.ok("battle:submit_turn", submit(bid, content, f"{alpha['id']}-0"),
                         reply="battle:turn_accepted")
            assert again == ack, (again, ack)

    everyone = (anon, watching, a, b)
    for client in everyone:
        client.wait_state("COMPLETED")
        client.wait_for(lambda log: sum(n == "battle:commentary" for n, _ in log) >= 4,
                        "four battle:commentary")

    for spectator in (anon, watching):
        log = spectator.logged()
        names = [name for name, _ in log]
        assert statuses(spectator) == ["STARTING", "IN_PROGRESS", "COMPLETED"], log
        assert names.index("battle:starting") < next(
            i for i, (n, d) in enumerate(log) if n == "battle:state" and d["status"] == "IN_PROGRESS")
        starting = spectator.events("battle:starting")
        assert len(starting) == 1 and starting[0]["battleId"] == bid, starting
        assert starting[0]["countdownSeconds"] == 0.3 and isinstance(starting[0]["startsAt"], str)

        turns = spectator.events("battle:turn")
        assert [(t["agentId"], t["round"], t["content"]) for t in turns] == [
            (who["id"], round_, content) for _, who, round_, content in contents], turns
        assert [t["turnId"] for t in turns] == [ack["turnId"] for ack in acks], (turns, acks)
        assert all(t["battleId"] == bid for t in turns), turns

        commentary = spectator.events("battle:commentary")
        assert sorted(c["turnId"] for c in commentary) == sorted(ack["turnId"] for ack in acks)
        for c in commentary:  # each after its turn, with some text
            assert c["battleId"] == bid and isinstance(c["text"], str) and c["text"].strip(), c
            turn_at = next(i for i, (n, d) in enumerate(log)
                           if n == "battle:turn" and d["turnId"] == c["turnId"])
            assert turn_at < log.index(("battle:commentary", c)), log

        ended = spectator.events("battle:ended")
        assert len(ended) == 1 and ended[0]["battleId"] == bid, ended
        assert ended[0]["reason"] == "completed", ended
        last_turn = max(i for i, (n, _) in enumerate(log) if n == "battle:turn")
        assert last_turn < names.index("battle:ended") < names.index("battle:results"), names

        (results,) = spectator.events("battle:results")
        assert set(results) == {"seq", "battleId", "votes", "judge", "winnerId"}, results
        assert results["battleId"] == bid and results["votes"] == {}, results
        assert isinstance(results["judge"], dict) and results["judge"], results
        assert results["winnerId"] in (alpha["id"], beta["id"], None), results
        # Without voting, the judge decides.
        assert results["winnerId"] == results["judge"].get("winnerId"), results

        assert_contiguous_log(log, first=1)
    # Everyone in the room saw the same story, the participants included.
    assert anon.logged() == watching.logged() == a.logged() == b.logged()

    last_seq = anon.logged()[-1][1]["seq"]
    snap = arena.snapshot(bid)
    assert snap["status"] == "COMPLETED" and snap["round"] == 2 and snap["seq"] == last_seq, snap
    assert [(t["turnId"], t["round"], t["agentId"], t["content"]) for t in snap["turns"]] == [
        (ack["turnId"], round_, who["id"], content)
        for ack, (_, who, round_, content) in zip(acks, contents)], snap["turns"]
    assert snap["votes"] == {}, snap
    assert snap["results"] == {"votes": {}, "judge": results["judge"],
                               "winnerId": results["winnerId"]}, snap
    shown = arena.show(bid)
    assert {k: shown[k] for k in ("status", "seq", "turns", "results")} == \
        {k: snap[k] for k in ("status", "seq", "turns", "results")}, shown


def test_submit_errors_in_lobby_and_out_of_turn(arenas, clients):
    arena = arenas("turns")
    alpha, beta, outsider = arena.create_agents(3, "errors")
    bid = arena.create_battle([alpha, beta], rounds=1)["id"]
    a = clients(arena, alpha)
    b = clients(arena, beta)
    c = clients(arena, outsider)

    # Not joined, battle in LOBBY: still a participant's turn request, refused for the status.
    a.fails("battle:submit_turn", submit(bid, "hello"), "BATTLE_NOT_IN_PROGRESS")
    c.fails("battle:submit_turn", submit(bid, "hello"), "NOT_PARTICIPANT")
    c.fails("battle:submit_turn", submit("btl_doesnotexist", "hello"), "BATTLE_NOT_FOUND")
    a.fails("battle:submit_turn", {"battleId": bid, "content": "   "}, "INVALID_PAYLOAD")
    a.fails("battle:submit_turn", {"battleId": bid}, "INVALID_PAYLOAD")
    a.join(bid)
    b.join(bid)
    b.wait_state("IN_PROGRESS")
    a.wait_event("battle:your_turn")  # taken again by take_turn below
    b.fails("battle:submit_turn", submit(bid, "me first"), "NOT_YOUR_TURN")
    c.fails("battle:submit_turn", submit(bid, "let me in"), "NOT_PARTICIPANT")
    take_turn(a, bid, 1, "first")
    a.fails("battle:submit_turn", submit(bid, "again"), "NOT_YOUR_TURN")
    take_turn(b, bid, 1, "second")
    b.wait_state("COMPLETED")
    # After the end, nobody's turn is open any more.
    a.fails("battle:submit_turn", submit(bid, "encore"), "BATTLE_NOT_IN_PROGRESS")
    assert [t["content"] for t in b.events("battle:turn")] == ["first", "second"]


def _submit_within_rate_limit(agent, payload, attempts: int = 3) -> dict:
    """Submits, and after RATE_LIMITED waits the advertised retryAfterMs and submits again."""
    for _ in range(attempts):
        ack = agent.call("battle:submit_turn", payload)
        if ack.get("ok") is True:
            assert agent.expect("battle:turn_accepted") == {k: v for k, v in ack.items() if k != "ok"}
            return ack
        assert ack["error"]["code"] == "RATE_LIMITED", ack
        assert agent.expect("error")["code"] == "RATE_LIMITED"
        time.sleep(agent.expect("rate_limit_exceeded")["retryAfterMs"] / 1000)
    raise AssertionError(f"{agent}: still rate limited after {attempts} attempts")


def test_content_too_long_and_rate_limited(arenas, clients):
    arena = arenas("turn_limits")  # max_turn_chars = 40, rate_limit_seconds = 2
    alpha, beta = arena.create_agents(2, "limits")
    bid = arena.create_battle([alpha, beta], rounds=2)["id"]
    spectator = clients(arena, label="spectator")
    spectator.join(bid)
    a = clients(arena, alpha)
    b = clients(arena, beta)
    a.join(bid)
    b.join(bid)

    a.expect("battle:your_turn")
    a.fails("battle:submit_turn", submit(bid, "x" * 41), "CONTENT_TOO_LONG")
    # Exactly the maximum is fine, and the refused turn used none of the rate limit.
    first = a.ok("battle:submit_turn", submit(bid, "y" * 40), reply="battle:turn_accepted")
    assert first["round"] == 1
    take_turn(b, bid, 1, "beta one")

    # Alpha's second turn comes well inside its 2 s window.
    your_turn = a.expect("battle:your_turn")
    assert your_turn["round"] == 2
    error = a.fails("battle:submit_turn", submit(bid, "alpha two"), "RATE_LIMITED")
    (limited,) = a.events("rate_limit_exceeded")
    assert set(limited) == {"event", "retryAfterMs"}, limited
    assert limited["event"] == "battle:submit_turn", limited
    assert isinstance(limited["retryAfterMs"], int) and 0 < limited["retryAfterMs"] <= 2000, limited
    assert error["code"] == "RATE_LIMITED"

    # The turn is still alpha's: after the advertised wait the same submission goes through.
    time.sleep(limited["retryAfterMs"] / 1000)
    second = a.ok("battle:submit_turn", submit(bid, "alpha two"), reply="battle:turn_accepted")
    assert second["round"] == 2
    # Beta's own window may not be over yet either (its first turn came just after alpha's).
    assert b.expect("battle:your_turn")["round"] == 2
    assert _submit_within_rate_limit(b, submit(bid, "beta two"))["round"] == 2

    spectator.wait_state("COMPLETED")
    turns = spectator.events("battle:turn")
    assert [(t["agentId"], t["content"]) for t in turns] == [
        (alpha["id"], "y" * 40), (beta["id"], "beta one"),
        (alpha["id"], "alpha two"), (beta["id"], "beta two")], turns
    assert_contiguous_log(spectator.logged())
    assert set(name for name, _ in spectator.logged()) <= LOGGED
