"""Battle plugin through real clients: joining and leaving battle rooms with the
permissions of agents, non-participants and spectators, join/leave notices,
presence, disconnects and rejoining, and the battles HTTP API (CONTRACT sections 3, 4)."""

from __future__ import annotations

import pytest

from serve_support import notice

# Presence goes out at most once a second while it changes: a wanted count may
# take a little over a second to show; this is only an upper bound.
PRESENCE_WAIT = 5.0
SNAPSHOT_KEYS = {"id", "title", "status", "visibility", "round", "seq", "participants",
                 "turns", "votes", "results"}


def summary(agent: dict) -> dict:
    return {"id": agent["id"], "name": agent["name"]}


def assert_snapshot(snapshot: dict, battle: dict, agents, visibility: str = "public") -> None:
    missing = SNAPSHOT_KEYS - set(snapshot)
    assert not missing, f"snapshot lacks {sorted(missing)}: {snapshot!r}"
    assert snapshot["id"] == battle["id"]
    assert snapshot["title"] == battle["title"]
    assert snapshot["status"] == "LOBBY"
    assert snapshot["visibility"] == visibility
    assert snapshot["round"] == 0 and snapshot["seq"] == 0, snapshot
    assert snapshot["participants"] == [summary(a) for a in agents], "participants in turn order"
    assert snapshot["turns"] == [] and snapshot["votes"] == {} and snapshot["results"] is None


def join(peer, battle: dict, expected_role: str, **extra) -> dict:
    """battle:join (with `extra` payload fields) that must succeed as `expected_role`;
    checks the ack against `battle:connected` and returns the snapshot."""
    ack = peer.ok("battle:join", {"battleId": battle["id"], **extra})
    connected = peer.data("battle:connected")
    assert set(connected) == {"battleId", "role", "battle"}, connected
    assert connected["battleId"] == battle["id"], connected
    assert connected["role"] == expected_role, connected
    assert ack == {"ok": True, **connected}, "the ack is {ok:true} plus the reply event's fields"
    return connected["battle"]


def presence_where(peer, battle: dict, agents_online, spectators: int) -> dict:
    want = sorted(a["id"] for a in agents_online)
    return peer.expect_match(
        "battle:presence",
        lambda p: p["battleId"] == battle["id"] and sorted(p["agentsOnline"]) == want
        and p["spectators"] == spectators,
        timeout=PRESENCE_WAIT, what=f"with agentsOnline={want} spectators={spectators}")


# --- joining -----------------------------------------------------------------------

def test_agent_joins_its_battle(clients, two_agents, battle):
    alice, bob = two_agents
    peer = clients(token=alice["apiKey"])
    snapshot = join(peer, battle, "agent")
    assert_snapshot(snapshot, battle, two_agents)


def test_participant_asking_for_spectator_role_is_still_an_agent(clients, two_agents, battle):
    peer = clients(token=two_agents[0]["apiKey"])
    join(peer, battle, "agent", role="spectator")


def test_spectator_joins_public_battle(clients, two_agents, battle):
    peer = clients()
    snapshot = join(peer, battle, "spectator")
    assert_snapshot(snapshot, battle, two_agents)


def test_non_participant_agent_may_only_watch(arena, clients, battle):
    outsider = arena.create_agent()
    peer = clients(token=outsider["apiKey"])
    peer.fails("battle:join", {"battleId": battle["id"]}, code="NOT_PARTICIPANT")
    peer.fails("battle:join", {"battleId": battle["id"], "role": "agent"}, code="NOT_PARTICIPANT")
    join(peer, battle, "spectator", role="spectator")


def test_private_battle_is_for_participants_only(arena, clients, two_agents):
    private = arena.create_battle(list(two_agents), private=True)
    assert private["visibility"] == "private"
    outsider = arena.create_agent()

    spectator = clients()
    spectator.fails("battle:join", {"battleId": private["id"]}, code="PRIVATE_BATTLE")
    spectator.fails("battle:join", {"battleId": private["id"], "role": "spectator"},
                    code="PRIVATE_BATTLE")
    watcher = clients(token=outsider["apiKey"])
    watcher.fails("battle:join", {"battleId": private["id"], "role": "spectator"},
                  code="PRIVATE_BATTLE")
    watcher.fails("battle:join", {"battleId": private["id"]}, code="PRIVATE_BATTLE")

    member = clients(token=two_agents[1]["apiKey"])
    snapshot = join(member, private, "agent")
    assert_snapshot(snapshot, private, two_agents, visibility="private")


def test_unknown_battle_is_not_found(arena, clients):
    agent = clients(token=arena.create_agent()["apiKey"])
    agent.fails("battle:join", {"battleId": "btl_doesnotexist"}, code="BATTLE_NOT_FOUND")
    spectator = clients()
    spectator.fails("battle:join", {"battleId": "btl_doesnotexist"}, code="BATTLE_NOT_FOUND")


def test_joining_twice_is_harmless(clients, two_agents, battle):
    peer = clients(token=two_agents[0]["apiKey"])
    join(peer, battle, "agent")
    join(peer, battle, "agent")
    assert peer.ok("battle:leave", {"battleId": battle["id"]})["battleId"] == battle["id"]
    peer.fails("battle:leave", {"battleId": battle["id"]}, code="NOT_IN_BATTLE")


# --- leaving ----------------------------------------------------------------------

def test_leave_then_leave_again(clients, two_agents, battle):
    peer = clients(token=two_agents[0]["apiKey"])
    join(peer, battle, "agent")
    ack = peer.ok("battle:leave", {"battleId": battle["id"]})
    assert ack == {"ok": True, "battleId": battle["id"]}
    assert peer.data("battle:left") == {"battleId": battle["id"]}
    peer.fails("battle:leave", {"battleId": battle["id"]}, code="NOT_IN_BATTLE")


def test_leave_without_joining(clients, battle):
    peer = clients()
    peer.fails("battle:leave", {"battleId": battle["id"]}, code="NOT_IN_BATTLE")
    peer.fails("battle:leave", {"battleId": "btl_doesnotexist"}, code="NOT_IN_BATTLE")


# --- the room: notices and presence ----------------------------------------------------

def test_room_notices_join_leave_and_disconnect(clients, two_agents, battle):
    alice, bob = two_agents
    spectator = clients()
    join(spectator, battle, "spectator")

    a = clients(token=alice["apiKey"])
    join(a, battle, "agent")
    assert spectator.data("battle:participant_joined") == notice(alice, battle)

    b = clients(token=bob["apiKey"])
    join(b, battle, "agent")
    assert spectator.data("battle:participant_joined") == notice(bob, battle)
    assert a.data("battle:participant_joined") == notice(bob, battle)
    # "to the room but the sender": neither agent hears about itself.
    a.barrier()
    b.barrier()
    a.expect_none("battle:participant_joined")
    b.expect_none("battle:participant_joined")

    # Alice leaves the room, Bob drops his connection.
    a.ok("battle:leave", {"battleId": battle["id"]})
    assert spectator.data("battle:participant_left") == notice(alice, battle)
    assert b.data("battle:participant_left") == notice(alice, battle)
    b.disconnect()
    assert spectator.data("battle:participant_left") == notice(bob, battle)
    # Alice left the room before, so Bob's departure is not hers to hear.
    a.barrier()
    a.expect_none("battle:participant_left")
    presence_where(spectator, battle, [], 1)


def test_spectators_are_counted_not_announced(arena, clients, two_agents, battle):
    alice, _ = two_agents
    a = clients(token=alice["apiKey"])
    join(a, battle, "agent")
    presence_where(a, battle, [alice], 0)

    first = clients()
    join(first, battle, "spectator")
    second = clients()
    join(second, battle, "spectator")
    # A non-participant agent that watches counts as a spectator.
    outsider = clients(token=arena.create_agent()["apiKey"])
    join(outsider, battle, "spectator", role="spectator")
    presence = presence_where(a, battle, [alice], 3)
    assert set(presence) == {"battleId", "agentsOnline", "spectators"}, presence
    presence_where(first, battle, [alice], 3)

    second.disconnect()
    presence_where(a, battle, [alice], 2)
    outsider.ok("battle:leave", {"battleId": battle["id"]})
    presence_where(a, battle, [alice], 1)
    # Spectators come and go without participant notices.
    a.barrier()
    a.expect_none("battle:participant_joined")
    a.expect_none("battle:participant_left")


def test_agent_with_two_connections_is_one_participant(arena, clients, two_agents, battle):
    alice, _ = two_agents
    # The observer is an agent watching (it may barrier(): anonymous pings share a limit).
    observer = clients(token=arena.create_agent()["apiKey"])
    join(observer, battle, "spectator", role="spectator")
    first = clients(token=alice["apiKey"])
    join(first, battle, "agent")
    assert observer.data("battle:participant_joined") == notice(alice, battle)

    second = clients(token=alice["apiKey"])
    join(second, battle, "agent")
    second.ok("battle:leave", {"battleId": battle["id"]})
    # Both answered: whatever they announced was sent before the observer's barrier.
    observer.barrier()
    observer.expect_none("battle:participant_joined")
    observer.expect_none("battle:participant_left")

    # Her last connection goes: now Alice has left.
    first.disconnect()
    assert observer.data("battle:participant_left") == notice(alice, battle)
    presence_where(observer, battle, [], 1)


def test_rejoin_after_reconnect_gets_the_snapshot_again(clients, two_agents, battle):
    alice, _ = two_agents
    spectator = clients()
    join(spectator, battle, "spectator")
    peer = clients(token=alice["apiKey"])
    peer.data("connected")
    first = join(peer, battle, "agent")
    assert spectator.data("battle:participant_joined") == notice(alice, battle)

    peer.disconnect()
    assert spectator.data("battle:participant_left") == notice(alice, battle)
    presence_where(spectator, battle, [], 1)

    peer.connect(auth={"token": alice["apiKey"]})
    assert peer.data("connected")["agent"]["id"] == alice["id"]
    # A new connection is in no room: leaving needs a join first.
    peer.fails("battle:leave", {"battleId": battle["id"]}, code="NOT_IN_BATTLE")
    again = join(peer, battle, "agent")
    assert again == first
    assert spectator.data("battle:participant_joined") == notice(alice, battle)
    presence_where(spectator, battle, [alice], 1)


# --- HTTP ---------------------------------------------------------------------------------

def test_http_get_public_battle(arena, two_agents, battle):
    answer = arena.http("GET", f"/api/v1/battles/{battle['id']}")
    assert answer.status == 200, answer
    assert_snapshot(answer.json(), battle, two_agents)


def test_http_private_battle_only_for_participants(arena, two_agents):
    private = arena.create_battle(list(two_agents), private=True)
    path = f"/api/v1/battles/{private['id']}"
    unknown = arena.http("GET", "/api/v1/battles/btl_doesnotexist")
    assert unknown.status == 404, unknown
    outsider = arena.create_agent()
    for token in (None, outsider["apiKey"], "moltarena_sk_" + "B" * 43):
        hidden = arena.http("GET", path, token=token)
        assert hidden.status == 404, (token, hidden)
        # Indistinguishable from a battle that does not exist.
        assert hidden.json()["error"]["code"] == unknown.json()["error"]["code"], hidden
    for agent in two_agents:
        shown = arena.http("GET", path, token=agent["apiKey"])
        assert shown.status == 200, shown
        assert_snapshot(shown.json(), private, two_agents, visibility="private")


def test_http_list_lobby_shows_public_battles_only(arena, two_agents):
    public = arena.create_battle(list(two_agents))
    private = arena.create_battle(list(two_agents), private=True)
    answer = arena.http("GET", "/api/v1/battles?status=LOBBY")
    assert answer.status == 200, answer
    battles = answer.json()["battles"]
    ids = [b["id"] for b in battles]
    assert public["id"] in ids
    assert private["id"] not in ids
    for item in battles:
        assert item["visibility"] == "public" and item["status"] == "LOBBY", item
    listed = next(b for b in battles if b["id"] == public["id"])
    assert_snapshot(listed, public, two_agents)
    # Other statuses: nothing of ours has left the lobby.
    started = arena.http("GET", "/api/v1/battles?status=IN_PROGRESS")
    assert started.status == 200 and public["id"] not in [b["id"] for b in started.json()["battles"]]


def test_http_create_battle_with_bearer(arena, clients, two_agents):
    alice, bob = two_agents
    body = {"opponentId": bob["id"], "title": "Made over HTTP", "visibility": "private",
            "rounds": 2}
    created = arena.http("POST", "/api/v1/battles", body, token=alice["apiKey"])
    assert created.status == 201, created
    snapshot = created.json()
    assert snapshot["participants"] == [summary(alice), summary(bob)], "the caller goes first"
    assert snapshot["title"] == "Made over HTTP"
    assert_snapshot(snapshot, snapshot, two_agents, visibility="private")
    path = f"/api/v1/battles/{snapshot['id']}"
    assert arena.http("GET", path).status == 404
    assert arena.http("GET", path, token=bob["apiKey"]).json() == snapshot

    # And it is a battle like any other: its participant joins it on the socket.
    peer = clients(token=bob["apiKey"])
    assert join(peer, snapshot, "agent") == snapshot


def test_http_create_battle_defaults_to_public(arena, two_agents):
    alice, bob = two_agents
    created = arena.http("POST", "/api/v1/battles", {"opponentId": bob["id"], "title": "Open"},
                         token=alice["apiKey"])
    assert created.status == 201, created
    snapshot = created.json()
    assert snapshot["visibility"] == "public" and snapshot["status"] == "LOBBY"
    assert arena.http("GET", f"/api/v1/battles/{snapshot['id']}").status == 200


@pytest.mark.parametrize("token", [None, "moltarena_sk_" + "C" * 43], ids=["none", "unknown"])
def test_http_create_battle_needs_a_key(arena, two_agents, token):
    body = {"opponentId": two_agents[1]["id"], "title": "No key"}
    answer = arena.http("POST", "/api/v1/battles", body, token=token)
    assert answer.status == 401, answer
    assert answer.json()["error"]["code"] == "INVALID_API_KEY"
