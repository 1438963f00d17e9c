"""The battle log end to end (WebSocket only): a spectator that lost its connection rejoins with
`sinceSeq` and gets exactly what it missed, in order, then the live events, with no duplicate."""

from __future__ import annotations

from battle_support import LOGGED, WEBSOCKET, assert_contiguous_log, seqs, take_turn, words


def test_rejoin_with_since_seq_replays_exactly_the_missed_events(arenas, clients):
    arena = arenas("turns")
    alpha, beta = arena.create_agents(2, "log")
    bid = arena.create_battle([alpha, beta], rounds=2)["id"]

    # `witness` stays connected the whole time; `viewer` drops out and comes back.
    witness = clients(arena, transports=WEBSOCKET, label="witness")
    viewer = clients(arena, transports=WEBSOCKET, label="viewer")
    witness.join(bid)
    viewer.join(bid)
    a = clients(arena, alpha, transports=WEBSOCKET)
    b = clients(arena, beta, transports=WEBSOCKET)
    a.join(bid)
    b.join(bid)

    first = take_turn(a, bid, 1, words("first", 12))
    viewer.wait_event("battle:commentary", lambda d: d["turnId"] == first["turnId"])
    before = viewer.logged()
    assert_contiguous_log(before, first=1)
    last_seen = before[-1][1]["seq"]
    viewer.disconnect()

    # The battle goes on without the viewer.
    second = take_turn(b, bid, 1, words("second", 12))
    third = take_turn(a, bid, 2, words("third", 12))
    witness.wait_event("battle:commentary", lambda d: d["turnId"] == second["turnId"])
    witness.wait_event("battle:commentary", lambda d: d["turnId"] == third["turnId"])
    missed = [(n, d) for n, d in witness.logged() if d["seq"] > last_seen]
    assert {d.get("turnId") for n, d in missed if n == "battle:turn"} == \
        {second["turnId"], third["turnId"]}, missed

    back = clients(arena, transports=WEBSOCKET, label="viewer again")
    joined = back.join(bid, since_seq=last_seen)
    assert joined["role"] == "spectator" and joined["battle"]["seq"] >= missed[-1][1]["seq"]
    # Exactly the missed events, in order, as the witness got them live.
    back.wait_for(lambda log: sum(n in LOGGED for n, _ in log) >= len(missed),
                  f"{len(missed)} replayed events")
    assert back.logged()[:len(missed)] == missed, (back.logged(), missed)

    # Then the live ones.
    fourth = take_turn(b, bid, 2, words("fourth", 12))
    back.wait_state("COMPLETED")
    witness.wait_state("COMPLETED")
    for client in (back, witness):
        client.wait_event("battle:commentary", lambda d: d["turnId"] == fourth["turnId"])

    after = back.logged()
    assert_contiguous_log(after, first=last_seen + 1)  # contiguous and no duplicate
    assert len(set(seqs(after))) == len(after)
    assert before + after == witness.logged(), (before, after, witness.logged())
    assert [d["turnId"] for n, d in after if n == "battle:turn"] == [
        second["turnId"], third["turnId"], fourth["turnId"]]
    assert arena.snapshot(bid)["seq"] == after[-1][1]["seq"]

    # Joining again from 0 replays the whole log; from the last seq, nothing.
    full = clients(arena, transports=WEBSOCKET, label="from zero")
    full.join(bid, since_seq=0)
    everything = witness.logged()
    full.wait_for(lambda log: sum(n in LOGGED for n, _ in log) >= len(everything), "the whole log")
    assert full.logged() == everything
    caught_up = clients(arena, alpha, transports=WEBSOCKET, label="caught up")
    caught_up.join(bid, since_seq=after[-1][1]["seq"])
    caught_up.barrier()
    assert caught_up.logged() == []
