"""Several instances over Redis: rooms span instances, wire-compatible with the official Node
adapter and emitter. A battle runs on instance 1 (where its agents are); spectators on both
instances, a Node socket.io server's clients and the Node emitter all share its room."""

from __future__ import annotations

import json
import time
import uuid

import msgpack
import redis

from battle_support import assert_contiguous_log, take_turn, words
from cluster_support import ClusterArena


def wait_subscribed(url: str, servers: int, timeout: float = 10.0) -> None:
    """Until `servers` servers listen on the request channel (how the Node adapter counts them)."""
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + timeout
    while True:
        count = dict(client.pubsub_numsub("socket.io-request#/#")).get(b"socket.io-request#/#", 0)
        if count >= servers:
            return
        assert time.monotonic() < deadline, f"{count} of {servers} servers subscribed"
        time.sleep(0.05)  # polling Redis for a fact, not pacing the test


def play(arena, clients, rounds=1):
    """A battle between two agents on `arena`, started (IN_PROGRESS announced)."""
    tag = uuid.uuid4().hex[:6]
    alpha, beta = arena.create_agent(f"alpha-{tag}"), arena.create_agent(f"beta-{tag}")
    battle = arena.create_battle([alpha, beta], rounds=rounds)
    return battle, alpha, beta


def finish(battle, a, b, rounds=1):
    for round_ in range(1, rounds + 1):
        take_turn(a, battle["id"], round_, words(f"a{round_}-", 5))
        take_turn(b, battle["id"], round_, words(f"b{round_}-", 5))


def test_spectators_on_every_instance_get_every_event_once_and_in_order(cluster, clients, redis_server):
    one, two = cluster
    wait_subscribed(redis_server.url, 2)
    battle, alpha, beta = play(one, clients, rounds=2)
    bid = battle["id"]
    here, there = clients(one, label="spectator on 1"), clients(two, label="spectator on 2")
    here.join(bid)
    there.join(bid)
    a, b = clients(one, alpha), clients(one, beta)
    a.join(bid)
    b.join(bid)
    finish(battle, a, b, rounds=2)
    for spectator in (here, there):
        spectator.wait_state("COMPLETED")
    final = one.snapshot(bid)["seq"]
    for spectator in (here, there):
        assert_contiguous_log(spectator.logged())  # every logged event once, in order
        assert spectator.logged()[-1][1]["seq"] == final, spectator.logged()[-1]
        assert len(spectator.events("battle:turn")) == 4
    assert here.logged() == there.logged()
    # Joining on the other instance with sinceSeq replays from the shared database, no gap.
    late = clients(two, label="late on 2")
    late.join(bid, since_seq=3)
    late.wait_for(lambda log: any(n == "battle:results" for n, _ in log), "the replay")
    assert_contiguous_log(late.logged(), first=4)


def test_the_lobby_list_on_any_instance_counts_presence_on_every_instance(cluster, clients, redis_server):
    one, two = cluster
    wait_subscribed(redis_server.url, 2)
    battle, alpha, beta = play(one, clients)
    bid = battle["id"]
    a = clients(one, alpha)
    a.join(bid)  # the battle's owner is instance 1, where it is first needed
    here, there = clients(one, label="spectator on 1"), clients(two, label="spectator on 2")
    here.join(bid)
    there.join(bid)
    # The owner has counted both instances' spectators once a presence update says so.
    here.wait_event("battle:presence", lambda p: p["spectators"] == 2 and p["agentsOnline"] == [alpha["id"]])
    for arena in (two, one):
        follower = clients(arena, label="lobby follower")
        listed = {b["id"]: b for b in follower.ok("lobby:join", {}, "lobby:connected")["battles"]}
        assert listed[bid]["spectators"] == 2, listed[bid]
        assert listed[bid]["agentsOnline"] == [alpha["id"]], listed[bid]


def test_the_cluster_message_is_the_node_adapters_msgpack(cluster, clients, redis_server):
    one, two = cluster
    wait_subscribed(redis_server.url, 2)
    battle, alpha, beta = play(one, clients)
    bid = battle["id"]
    listener = redis.Redis.from_url(redis_server.url).pubsub()
    listener.psubscribe("socket.io#/#*")
    a, b = clients(one, alpha), clients(one, beta)
    a.join(bid)
    b.join(bid)
    take_turn(a, bid, 1, "read me over Redis")
    deadline = time.monotonic() + 10
    turn = None
    while turn is None and time.monotonic() < deadline:
        message = listener.get_message(timeout=1)
        if not message or message["type"] != "pmessage":
            continue
        uid, packet, opts = msgpack.unpackb(message["data"], raw=False)
        if packet["data"][0] == "battle:turn":
            turn = (message["channel"], uid, packet, opts)
    assert turn, "no battle:turn published"
    channel, uid, packet, opts = turn
    assert channel == f"socket.io#/#battle:{bid}#".encode()
    assert uid == "instance-1"
    assert packet["type"] == 2 and packet["nsp"] == "/"
    assert packet["data"][1]["content"] == "read me over Redis" and packet["data"][1]["battleId"] == bid
    assert opts["rooms"] == [f"battle:{bid}"] and opts["except"] == [] and opts["flags"] == {}
    # A message packed by PyPI's msgpack (floats and all) reaches the room's spectators on both.
    spectator = clients(two, label="spectator on 2")
    spectator.join(bid)
    redis.Redis.from_url(redis_server.url).publish(
        f"socket.io#/#battle:{bid}#",
        msgpack.packb(["py", {"type": 2, "data": ["battle:note", {"x": 1.5, "n": 7}], "nsp": "/"},
                       {"rooms": [f"battle:{bid}"], "except": [], "flags": {}}], use_bin_type=True))
    assert spectator.expect("battle:note") == {"x": 1.5, "n": 7}
    assert a.expect("battle:note") == {"x": 1.5, "n": 7}


def test_a_node_server_and_the_emitter_share_the_room_with_moltarena(cluster, clients, redis_server, node_peer):
    one, two = cluster
    wait_subscribed(redis_server.url, 3)
    assert node_peer.command("count") == "count 3", "the Node adapter counts both MoltArena instances"
    battle, alpha, beta = play(one, clients)
    bid = battle["id"]
    room = f"battle:{bid}"
    here, there = clients(one, label="spectator on 1"), clients(two, label="spectator on 2")
    here.join(bid)
    there.join(bid)
    on_node = clients(node_peer, label="client of the Node server")
    assert on_node.call("join", room) == {"ok": True}

    assert node_peer.command(f"emitter {room} battle:announcement " + json.dumps({"text": "from a script"})) == "emitted"
    assert node_peer.command(f"emit {room} battle:announcement " + json.dumps({"text": "from Node"})) == "emitted"
    for client in (here, there, on_node):
        client.wait_for(lambda log: len([d for n, d in log if n == "battle:announcement"]) >= 2, "both announcements")

    a, b = clients(one, alpha), clients(one, beta)
    a.join(bid)
    b.join(bid)
    finish(battle, a, b)
    on_node.wait_event("battle:results")
    for client in (here, there, on_node):
        assert sorted(d["text"] for d in client.events("battle:announcement")) == ["from Node", "from a script"]
    turns = [d["content"] for d in on_node.events("battle:turn")]
    assert turns == [d["content"] for d in here.events("battle:turn")] and len(turns) == 2
    assert_contiguous_log(on_node.logged(), first=on_node.logged()[0][1]["seq"])


def test_an_instance_that_shuts_down_tells_only_its_own_clients(cluster, clients, redis_server, tmp_path_factory):
    one, _ = cluster
    leaving = ClusterArena(one.exe, tmp_path_factory.mktemp("instance-3"), one.db, redis_server.url, "instance-3").start()
    try:
        wait_subscribed(redis_server.url, 3)
        mine, other = clients(leaving, label="client of 3"), clients(one, label="client of 1")
    finally:
        leaving.stop()  # SIGTERM: a graceful shutdown, which announces server:shutdown
    assert mine.expect("server:shutdown")["reconnectAfterMs"] == 1000
    # A message published after the shutdown reaches instance 1's client: anything instance 3
    # had relayed would have arrived before it.
    wait_subscribed(redis_server.url, 2)
    redis.Redis.from_url(redis_server.url).publish(
        "socket.io#/#", msgpack.packb(["py", {"type": 2, "data": ["marker", {}], "nsp": "/"}, {"rooms": [], "except": [], "flags": {}}]))
    other.expect("marker")
    assert other.events("server:shutdown") == []


def test_node_acts_on_moltarena_sockets_through_the_adapters_requests(cluster, clients, redis_server, node_peer):
    one, two = cluster
    wait_subscribed(redis_server.url, 3)
    battle, _, _ = play(one, clients)
    room = f"battle:{battle['id']}"
    here, there = clients(one, label="spectator on 1"), clients(two, label="spectator on 2")
    here.join(battle["id"])
    there.join(battle["id"])
    ids = {here.sio.get_sid("/"), there.sio.get_sid("/")}

    fetched = json.loads(node_peer.command(f"fetch {room}").removeprefix("fetched "))
    assert {s["id"] for s in fetched} == ids
    assert all(room in s["rooms"] for s in fetched)
    assert room in json.loads(node_peer.command("rooms").removeprefix("rooms "))

    extra = f"extra-{uuid.uuid4().hex[:6]}"
    assert node_peer.command(f"join {room} {extra}") == "done"
    # socketsJoin is a published request: once fetchSockets (published later, answered after it
    # by each instance) shows the new room, the join has been applied.
    here.wait_for(lambda log: all(extra in s["rooms"] for s in json.loads(
        node_peer.command(f"fetch {room}").removeprefix("fetched "))), "the remote join", timeout=10)
    assert node_peer.command(f"emit {extra} battle:announcement " + json.dumps({"text": "to the new room"})) == "emitted"
    for spectator in (here, there):
        assert spectator.expect("battle:announcement") == {"text": "to the new room"}

    assert node_peer.command(f"leave {room} {extra}") == "done"
    here.wait_for(lambda log: not json.loads(node_peer.command(f"fetch {extra}").removeprefix("fetched ")), "the remote leave", timeout=10)

    assert node_peer.command(f"disconnect {room}") == "done"
    for spectator in (here, there):
        spectator.wait_for(lambda log: not spectator.sio.connected, "the remote disconnect", timeout=10)


def test_a_rate_limit_counts_an_agents_events_on_every_instance(cluster, clients, redis_server):
    one, two = cluster
    agent = one.create_agent(f"pinger-{uuid.uuid4().hex[:6]}")
    # ping: 20 per connection and 80 (4 x 20) per agent per 10 s. Two connections on each
    # instance use the agent's one budget up, each within its own.
    connections = [clients(node, agent, label=f"agent on {index + 1}") for index, node in enumerate((one, two, one, two))]
    for client in connections:
        for i in range(20):
            assert client.call("ping", {"n": i})["ok"] is True
    # A fresh connection, on either instance, is refused long before its own 20 are spent (the
    # agent's budget refills 8 a second meanwhile).
    for node in (one, two):
        fresh = clients(node, agent, label="agent, fresh connection")
        answers = [fresh.call("ping", {"n": i}) for i in range(20)]
        refused = next((answer for answer in answers if answer["ok"] is False), None)
        assert refused is not None and refused["error"]["code"] == "RATE_LIMITED", answers
        assert sum(answer["ok"] is True for answer in answers) < 15, answers
        assert 0 < fresh.expect("rate_limit_exceeded")["retryAfterMs"] <= 1000


# Last: it restarts Redis; the tests before it count on one that stays up.
def test_redis_down_makes_health_degraded_and_a_restart_resumes_broadcasts(cluster, clients, redis_server):
    one, two = cluster
    wait_subscribed(redis_server.url, 2)
    assert one.get_json("/health") == (200, {"status": "ok", "database": "ok"})
    redis_server.stop()
    deadline = time.monotonic() + 10
    while one.get_json("/health")[1] != {"status": "degraded", "database": "ok"}:
        assert time.monotonic() < deadline, "health never said degraded"
        time.sleep(0.05)  # polling the server's health, not pacing the test
    redis_server.start()
    wait_subscribed(redis_server.url, 2, timeout=20)
    assert one.get_json("/health") == (200, {"status": "ok", "database": "ok"})
    battle, alpha, beta = play(one, clients)
    there = clients(two, label="spectator on 2")
    there.join(battle["id"])
    a, b = clients(one, alpha), clients(one, beta)
    a.join(battle["id"])
    b.join(battle["id"])
    finish(battle, a, b)
    there.wait_state("COMPLETED")
    assert len(there.events("battle:turn")) == 2
