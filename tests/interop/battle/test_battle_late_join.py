"""A late joiner of a long battle (WebSocket only): the snapshot in `battle:connected` carries
only the newest turns (`[battle] snapshot_turns`, 50 by default) with `turnsFrom` and
`turnsTotal`, and paging back with `GET /api/v1/battles/{id}/turns?before=` yields every turn
exactly once, in the order the turns were played."""

from __future__ import annotations

from battle_support import WEBSOCKET, take_turn, words

ROUNDS = 30  # 60 turns: more than the snapshot's default 50
PAGE = 7


def test_a_late_joiner_gets_the_newest_turns_and_pages_back_through_all(arenas, clients):
    arena = arenas("turns")
    alpha, beta = arena.create_agents(2, "late")
    bid = arena.create_battle([alpha, beta], rounds=ROUNDS)["id"]
    a = clients(arena, alpha, transports=WEBSOCKET)
    b = clients(arena, beta, transports=WEBSOCKET)
    a.join(bid)
    b.join(bid)
    played = []
    for round_ in range(1, ROUNDS + 1):
        for agent, name in ((a, "a"), (b, "b")):
            played.append(take_turn(agent, bid, round_, words(f"{name}{round_}-", 6))["turnId"])
    a.wait_state("COMPLETED")

    late = clients(arena, transports=WEBSOCKET, label="late joiner")
    snapshot = late.join(bid)["battle"]
    total = len(played)
    assert snapshot["turnsTotal"] == total, snapshot["turnsTotal"]
    assert snapshot["turnsFrom"] == total - 50, snapshot["turnsFrom"]
    assert [t["turnId"] for t in snapshot["turns"]] == played[-50:]

    seen = [t["turnId"] for t in snapshot["turns"]]
    before = snapshot["turnsFrom"]
    while before > 0:
        status, page = arena.get_json(f"/api/v1/battles/{bid}/turns?before={before}&limit={PAGE}")
        assert status == 200, (status, page)
        assert page["battleId"] == bid and page["turnsTotal"] == total, page
        assert page["turnsFrom"] == max(0, before - PAGE), page
        assert len(page["turns"]) == before - page["turnsFrom"], page
        seen = [t["turnId"] for t in page["turns"]] + seen
        before = page["turnsFrom"]
    assert seen == played

    # The HTTP snapshot is bounded the same way; a bad page request is INVALID_PAYLOAD.
    assert arena.snapshot(bid)["turns"] == snapshot["turns"]
    status, refused = arena.get_json(f"/api/v1/battles/{bid}/turns?limit=101")
    assert status == 400 and refused["error"]["code"] == "INVALID_PAYLOAD", refused
