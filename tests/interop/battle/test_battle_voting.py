"""The Voting plugin end to end: the window after the last turn, one vote per voter however many
sockets it votes from, the error codes, coalesced live counts, and one `battle:results` for
everyone in the room when the window closes. Voters are agents (every local client has the
same address, and anonymous spectators vote once per address)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from battle_support import WAIT, assert_contiguous_log, statuses, take_turn, words

VOTERS = 12
DOUBLE = 4  # voters that vote from two sockets at the same moment


def _at(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def test_voting_window_votes_and_results(arenas, clients):
    arena = arenas("voting")  # window_seconds = 3
    alpha, beta, late = arena.create_agents(3, "duel")
    voters = arena.create_agents(VOTERS, "voter")
    battle = arena.create_battle([alpha, beta], rounds=1)
    bid = battle["id"]
    choices = [alpha["id"], beta["id"]]

    spectator = clients(arena, label="anonymous spectator")
    other_anonymous = clients(arena, label="another anonymous spectator")
    # One socket per voter, and a second one for the first DOUBLE voters.
    socket_owners = voters + voters[:DOUBLE]
    voter_sockets = clients.many(arena, socket_owners,
                                 labels=[f"voter {i % VOTERS}" + (" (2nd)" if i >= VOTERS else "")
                                         for i in range(len(socket_owners))])
    for client in [spectator, other_anonymous]:
        client.join(bid)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda c: c.join(bid, role="spectator"), voter_sockets))

    # No vote before the window.
    voter_sockets[0].fails("battle:vote", {"battleId": bid, "agentId": beta["id"]},
                           "VOTING_CLOSED")

    a = clients(arena, alpha)
    b = clients(arena, beta)
    a.join(bid)
    b.join(bid)
    take_turn(a, bid, 1, words("argument", 40))  # more substance: the judge's likely pick
    take_turn(b, bid, 1, "meh")

    opened = spectator.wait_event("battle:voting_open", timeout=WAIT)
    assert set(opened) == {"seq", "battleId", "endsAt", "choices"}, opened
    assert opened["battleId"] == bid and opened["choices"] == choices, opened
    spectator.wait_state("VOTING")

    # Errors first (none of them counts as a vote).
    a.fails("battle:vote", {"battleId": bid, "agentId": beta["id"]}, "CANNOT_VOTE_OWN_BATTLE")
    voter_sockets[1].fails("battle:vote", {"battleId": bid, "agentId": late["id"]},
                           "INVALID_CHOICE")
    voter_sockets[1].fails("battle:vote", {"battleId": "btl_nope", "agentId": beta["id"]},
                           "BATTLE_NOT_FOUND")

    # Every voter at once; the DOUBLE voters from both their sockets at the same moment.
    pick = {v["id"]: (alpha["id"] if i % 3 == 0 else beta["id"]) for i, v in enumerate(voters)}
    start = threading.Barrier(len(voter_sockets))
    answers: dict[int, dict] = {}

    def vote(i: int) -> None:
        client = voter_sockets[i]
        start.wait(timeout=WAIT)
        answers[i] = client.call("battle:vote",
                                 {"battleId": bid, "agentId": pick[socket_owners[i]["id"]]})

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(len(voter_sockets))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=2 * WAIT)
    assert len(answers) == len(voter_sockets), answers

    accepted = Counter()
    for n, voter in enumerate(voters):
        mine = [answers[i] for i in range(len(voter_sockets)) if socket_owners[i] is voter]
        oks = [x for x in mine if x.get("ok") is True]
        refused = [x for x in mine if x.get("ok") is False]
        assert len(oks) == 1, (voter["name"], mine)
        assert oks[0] == {"ok": True, "battleId": bid, "agentId": pick[voter["id"]]}, mine
        if n < DOUBLE:
            assert len(refused) == 1 and refused[0]["error"]["code"] == "ALREADY_VOTED", mine
        else:
            assert refused == [], mine
        accepted[pick[voter["id"]]] += 1
    # The refused socket also got the `error` event, the accepting one `battle:vote_recorded`.
    for i, client in enumerate(voter_sockets):
        if answers[i]["ok"]:
            assert client.expect("battle:vote_recorded") == {
                "battleId": bid, "agentId": pick[socket_owners[i]["id"]]}
        else:
            error = client.expect("error")
            assert error["code"] == "ALREADY_VOTED" and error["event"] == "battle:vote", error

    # A voter that has voted cannot vote again, for either choice.
    voter_sockets[2].fails("battle:vote", {"battleId": bid, "agentId": alpha["id"]},
                           "ALREADY_VOTED")
    # Anonymous spectators: one vote per address.
    spectator.ok("battle:vote", {"battleId": bid, "agentId": alpha["id"]},
                 reply="battle:vote_recorded")
    accepted[alpha["id"]] += 1
    other_anonymous.fails("battle:vote", {"battleId": bid, "agentId": beta["id"]},
                          "ALREADY_VOTED")
    expected = {choice: accepted[choice] for choice in choices}
    total = sum(expected.values())
    assert expected[beta["id"]] > expected[alpha["id"]], expected
    # While voting, the snapshot shows the live counts.
    assert arena.snapshot(bid)["votes"] == expected

    in_room = [spectator, other_anonymous, a, b, *voter_sockets]
    for client in in_room:
        client.wait_state("COMPLETED", timeout=WAIT + 3)
    # The late voter: the window has closed.
    late_client = clients(arena, late)
    late_client.fails("battle:vote", {"battleId": bid, "agentId": beta["id"]}, "VOTING_CLOSED")
    a.barrier()

    for client in in_room:
        results = client.events("battle:results")
        assert len(results) == 1, (client, results)
        (result,) = results
        assert result["battleId"] == bid and result["votes"] == expected, (client, result)
        assert result["winnerId"] == beta["id"], result  # the most votes win
        assert isinstance(result["judge"], dict), result
    first_results = spectator.events("battle:results")[0]
    # Not before the window's end (same machine clock; 0.1 s for rounding).
    assert spectator.arrival("battle:results") >= _at(opened["endsAt"]) - 0.1, opened

    updates = spectator.events("battle:vote_update")
    assert 0 < len(updates) < total, (len(updates), total, updates)
    for update in updates:
        assert set(update) == {"battleId", "counts", "total"}, update
        assert set(update["counts"]) == set(choices), update
        assert update["total"] == sum(update["counts"].values()), update
    assert [u["total"] for u in updates] == sorted(u["total"] for u in updates), updates
    assert updates[-1]["counts"] == expected and updates[-1]["total"] == total, updates

    log = spectator.logged()
    names = [n for n, _ in log]
    assert_contiguous_log(log, first=1)
    assert statuses(spectator) == ["STARTING", "IN_PROGRESS", "VOTING", "COMPLETED"], log
    assert names.index("battle:ended") < names.index("battle:voting_open") \
        < names.index("battle:results"), names
    assert spectator.events("battle:ended")[0]["reason"] == "completed"

    snap = arena.snapshot(bid)
    assert snap["status"] == "COMPLETED" and snap["votes"] == expected, snap
    assert snap["results"] == {"votes": expected, "judge": first_results["judge"],
                               "winnerId": beta["id"]}, snap
    assert snap["seq"] == log[-1][1]["seq"], snap


def test_voting_disabled_completes_without_a_vote(arenas, clients):
    arena = arenas("voting_disabled")  # [voting] enabled = false
    alpha, beta, watcher = arena.create_agents(3, "novote")
    bid = arena.create_battle([alpha, beta], rounds=1)["id"]
    spectator = clients(arena, label="spectator")
    spectator.join(bid)
    w = clients(arena, watcher)
    w.join(bid, role="spectator")
    a = clients(arena, alpha)
    b = clients(arena, beta)
    a.join(bid)
    b.join(bid)
    take_turn(a, bid, 1, "alpha speaks")
    take_turn(b, bid, 1, "beta answers")
    spectator.wait_state("COMPLETED")

    w.fails("battle:vote", {"battleId": bid, "agentId": alpha["id"]}, "UNKNOWN_EVENT")
    assert statuses(spectator) == ["STARTING", "IN_PROGRESS", "COMPLETED"]
    (results,) = spectator.events("battle:results")
    assert results["votes"] == {} and results["winnerId"] == results["judge"].get("winnerId")
    assert spectator.events("battle:voting_open") == []
    assert_contiguous_log(spectator.logged())
    assert arena.snapshot(bid)["status"] == "COMPLETED"
