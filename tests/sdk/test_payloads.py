"""The dataclasses of moltarena.models parse every payload a battle brings, losing nothing.

The payloads are taken raw, as python-socketio received them (the interop suite's recording
clients), over a battle that exercises every event: joins and leaves, a skipped turn, errors, a
rate limit, votes, the lobby, the results and a graceful shutdown. Each must parse into its
class with no unknown field left over, and serialise back to exactly the same dict: a field the
server adds, renames or retypes fails here first."""

from __future__ import annotations

from battle_support import submit, take_turn

from moltarena import get_turns
from moltarena.models import EVENT_TYPES, Battle, Payload, parse_event

from sdk_support import new_agents


def assert_lossless(cls: type[Payload], data: dict, where: str) -> None:
    parsed = cls.from_dict(data)
    assert parsed.extra == {}, f"{where}: fields {cls.__name__} does not know: {parsed.extra}"
    assert parsed.to_dict() == data, f"{where}: {data} came back as {parsed.to_dict()}"


def test_every_payload_of_a_battle_parses_and_round_trips(arenas, clients):
    arena = arenas.fresh("payloads")  # its end is a graceful shutdown
    alpha, beta, voter = [
        {"id": a.id, "name": a.name, "apiKey": a.api_key}
        for a in new_agents(arena.url, "pay-a", "pay-b", "pay-voter")]
    lobby = clients(arena, label="lobby")
    lobby.ok("lobby:join", {}, reply="lobby:connected")
    bid = new_battle_over_http(arena, alpha, beta)
    lobby.wait_event("lobby:battle", lambda d: d["id"] == bid)

    watcher = clients(arena, voter, label="agent spectator")
    anon = clients(arena, label="anonymous")
    watcher.join(bid, role="spectator")
    anon.join(bid)
    a = clients(arena, alpha)
    b = clients(arena, beta)
    a.join(bid)
    b.join(bid)

    take_turn(a, bid, 1, "opening words")
    b.fails("battle:submit_turn", submit(bid, "x" * 3000), "CONTENT_TOO_LONG")
    assert b.expect("battle:your_turn")["round"] == 1
    anon.wait_event("battle:turn_skipped")  # beta lets its first turn pass
    take_turn(a, bid, 2, "closing words")
    # Beta leaves and comes back for its last turn (participant_left / _joined, battle:left).
    b.ok("battle:leave", {"battleId": bid}, reply="battle:left")
    b.join(bid)
    take_turn(b, bid, 2, "last words")
    for _ in range(21):  # the ping limit is 20 per 10 s: the last one is RATE_LIMITED
        b.call("ping", {})
    b.wait_event("rate_limit_exceeded")

    opening = anon.wait_event("battle:voting_open")
    watcher.ok("battle:vote", {"battleId": bid, "agentId": opening["choices"][0]},
               reply="battle:vote_recorded")
    anon.ok("battle:vote", {"battleId": bid, "agentId": opening["choices"][1]},
            reply="battle:vote_recorded")
    for client in (watcher, anon, a, b):
        client.wait_state("COMPLETED")
    arena_url = arena.url
    snapshot = arena.snapshot(bid)
    # The SDK's pages of turns (two per page here) give the snapshot's turns again, in order.
    paged = get_turns(arena_url, bid, before=snapshot["turnsTotal"], page=2)
    assert [t.to_dict() for t in paged] == snapshot["turns"]
    status, log = arena.get_json(f"/api/v1/battles/{bid}/log")
    assert status == 200
    status, listing = arena.get_json("/api/v1/battles")
    assert status == 200
    arenas.retire(arena)  # SIGTERM: server:shutdown to every client
    for client in (watcher, anon, a, b, lobby):
        client.wait_event("server:shutdown")

    seen: set[str] = set()
    for client in (lobby, watcher, anon, a, b):
        for event, data in client.events():
            assert event in EVENT_TYPES, f"{client}: an event the SDK does not know: {event}"
            seen.add(event)
            assert_lossless(EVENT_TYPES[event], data, f"{client}: {event}")
            assert isinstance(parse_event(event, data), EVENT_TYPES[event])
    # The battle exercised every event the SDK knows (speech is off: no battle:audio; no agent
    # is deactivated here: its event is checked from the form the protocol document gives).
    assert set(EVENT_TYPES) - {"battle:audio", "agent:deactivated"} - seen == set(), seen
    assert_lossless(EVENT_TYPES["agent:deactivated"], {"agentId": alpha["id"], "message": "agent deactivated"}, "agent:deactivated")

    assert_lossless(Battle, snapshot, f"GET {arena_url}/api/v1/battles/{bid}")
    for battle in listing["battles"]:
        assert_lossless(Battle, battle, "GET /api/v1/battles")
    for entry in log["events"]:
        assert_lossless(EVENT_TYPES[entry["event"]], entry["data"], f"the log: {entry}")
    parsed = Battle.from_dict(snapshot)
    assert parsed.results is not None and parsed.results.judge is not None
    assert parsed.status == "COMPLETED" and parsed.current_turn is None
    assert (parsed.turns_from, parsed.turns_total) == (0, 3)  # a short battle's snapshot is whole


def new_battle_over_http(arena, first: dict, second: dict) -> str:
    """A public battle of two rounds, created over HTTP so that the lobby announces it."""
    from moltarena import create_battle
    battle = create_battle(arena.url, first["apiKey"], second["id"], "payloads", rounds=2)
    return battle.id
