"""One battle, one owner, across instances: a battle played by agents on two instances, its
owner SIGKILLed, its owner paused past its lease and resumed. Each test starts its own two
instances on a fresh database (processes are killed here), on the module's Redis."""

from __future__ import annotations

import signal
import time
import uuid
from pathlib import Path

import pytest
import redis
import requests

from battle_support import WAIT, assert_contiguous_log, snapshot_binary, submit, words
from cluster_support import ClusterArena
from serve_process import fresh_database

CONF = Path(__file__).resolve().parent / "failover.conf"
# The lease lasts 4 s and the survivors look for orphaned battles every second.
TAKEOVER = 15.0


@pytest.fixture(scope="module")
def exe(tmp_path_factory):
    return snapshot_binary(tmp_path_factory.mktemp("bin"))


@pytest.fixture
def pair(tmp_path_factory, redis_server, exe):
    db = fresh_database(tmp_path_factory.mktemp("db"))
    made = [ClusterArena(exe, tmp_path_factory.mktemp(f"node-{n}"), db, redis_server.url, f"node-{n}-{uuid.uuid4().hex[:6]}", CONF).start()
            for n in (1, 2)]
    yield made
    for arena in made:
        if arena.proc and arena.proc.poll() is None:
            arena.proc.send_signal(signal.SIGCONT)
        arena.close()


def holder(redis_url: str, battle_id: str) -> str | None:
    value = redis.Redis.from_url(redis_url).get(f"moltarena:lease:battle:{battle_id}")
    return value.decode() if value else None


def metrics(arena) -> str:
    return requests.get(arena.url + "/metrics", timeout=5).text


def wait_until(fact, what: str, timeout: float) -> None:
    """Polls a fact of the outside world (Redis, a log file) until it holds."""
    deadline = time.monotonic() + timeout
    while not fact():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)


def submit_until_accepted(agent, battle_id: str, content: str, client_turn_id: str, timeout: float = TAKEOVER) -> dict:
    """Submits, and while the battle moves between instances (BATTLE_UNAVAILABLE) submits again
    after the `retryAfterMs` the server asks for, with the same clientTurnId."""
    deadline = time.monotonic() + timeout
    while True:
        ack = agent.call("battle:submit_turn", submit(battle_id, content, client_turn_id))
        if ack.get("ok"):
            return ack
        error = ack["error"]
        assert error["code"] == "BATTLE_UNAVAILABLE", ack
        assert time.monotonic() < deadline, f"still unavailable after {timeout} s: {ack}"
        time.sleep(error["retryAfterMs"] / 1000)  # the protocol's back-off, as a client does


def seat(owner, other, clients, rounds: int):
    """A battle owned by `owner` (a spectator there joins first), its agents and a spectator on
    `other`."""
    tag = uuid.uuid4().hex[:6]
    alpha, beta = owner.create_agent(f"alpha-{tag}"), owner.create_agent(f"beta-{tag}")
    battle = owner.create_battle([alpha, beta], rounds=rounds)
    bid = battle["id"]
    watcher = clients(owner, label=f"spectator on {owner.instance_id}")
    watcher.join(bid)
    assert holder(owner.redis_url, bid) == owner.instance_id
    spectator = clients(other, label=f"spectator on {other.instance_id}")
    spectator.join(bid)
    a, b = clients(other, alpha), clients(other, beta)
    a.join(bid)
    b.join(bid)
    return bid, watcher, spectator, a, b


def test_agents_on_two_instances_play_and_a_vote_cast_on_both_counts_once(pair, clients):
    one, two = pair
    tag = uuid.uuid4().hex[:6]
    alpha, beta = one.create_agent(f"alpha-{tag}"), one.create_agent(f"beta-{tag}")
    bid = one.create_battle([alpha, beta], rounds=2)["id"]
    here, there = clients(one, label="spectator on 1"), clients(two, label="spectator on 2")
    here.join(bid)
    there.join(bid)
    a, b = clients(one, alpha), clients(two, beta)  # one agent on each instance
    a.join(bid)
    b.join(bid)
    for round_ in (1, 2):
        for agent, name in ((a, "a"), (b, "b")):
            turn = agent.expect("battle:your_turn")
            assert turn["round"] == round_, turn
            agent.ok("battle:submit_turn", submit(bid, words(f"{name}{round_}-", 4), f"{name}{round_}"), reply="battle:turn_accepted")
    for spectator in (here, there):
        spectator.expect("battle:voting_open")
    # Anonymous spectators vote as their address: two instances, one voter.
    answers = [here.call("battle:vote", {"battleId": bid, "agentId": alpha["id"]}),
               there.call("battle:vote", {"battleId": bid, "agentId": alpha["id"]})]
    assert sorted(bool(x.get("ok")) for x in answers) == [False, True], answers
    assert [x["error"]["code"] for x in answers if not x.get("ok")] == ["ALREADY_VOTED"]
    for spectator in (here, there):
        spectator.wait_state("COMPLETED", timeout=WAIT + 5)
        spectator.wait_event("battle:results")
    results = here.events("battle:results")[-1]
    assert results["votes"] == {alpha["id"]: 1, beta["id"]: 0}, results
    for spectator in (here, there):
        assert_contiguous_log(spectator.logged())
        assert [t["content"] for t in spectator.events("battle:turn")] == ["a1-0 a1-1 a1-2 a1-3", "b1-0 b1-1 b1-2 b1-3",
                                                                          "a2-0 a2-1 a2-2 a2-3", "b2-0 b2-1 b2-2 b2-3"]
    assert here.logged() == there.logged()
    assert one.snapshot(bid)["seq"] == here.logged()[-1][1]["seq"]


def test_the_owner_killed_mid_battle_the_battle_completes_on_the_other(pair, clients):
    owner, survivor = pair
    bid, _, spectator, a, b = seat(owner, survivor, clients, rounds=2)
    a.expect("battle:your_turn")
    first = [a.ok("battle:submit_turn", submit(bid, "alpha one", "a1"))["turnId"]]
    b.expect("battle:your_turn")
    owner.proc.send_signal(signal.SIGKILL)
    owner.proc.wait(timeout=10)
    # Beta's turn was open when the owner died: its submission waits for the takeover.
    accepted = submit_until_accepted(b, bid, "beta one", "b1")
    wait_until(lambda: holder(survivor.redis_url, bid) == survivor.instance_id, "the survivor holds the lease", TAKEOVER)
    a.expect("battle:your_turn")
    second = [accepted["turnId"], a.ok("battle:submit_turn", submit(bid, "alpha two", "a2"))["turnId"]]
    b.expect("battle:your_turn")
    second.append(b.ok("battle:submit_turn", submit(bid, "beta two", "b2"))["turnId"])
    spectator.wait_state("COMPLETED", timeout=WAIT + 5)
    spectator.wait_event("battle:results")
    snapshot = survivor.snapshot(bid)
    assert [t["turnId"] for t in snapshot["turns"]] == first + second
    assert [t["content"] for t in snapshot["turns"]] == ["alpha one", "beta one", "alpha two", "beta two"]
    assert_contiguous_log(spectator.logged())
    assert spectator.logged()[-1][1]["seq"] == snapshot["seq"]


def test_a_paused_owner_resumed_after_a_takeover_writes_and_announces_nothing(pair, clients):
    owner, survivor = pair
    bid, _, spectator, a, b = seat(owner, survivor, clients, rounds=1)
    a.expect("battle:your_turn")
    a.ok("battle:submit_turn", submit(bid, "alpha one", "a1"))
    b.expect("battle:your_turn")
    # Paused at once: the turn's commentary may be stored but not yet published. Published when
    # the old owner resumes, after the new owner's events, it is not delivered again: the
    # survivor delivered it from the log when the new owner's next event showed the gap.
    owner.proc.send_signal(signal.SIGSTOP)
    wait_until(lambda: holder(survivor.redis_url, bid) == survivor.instance_id, "the survivor takes the lease over", TAKEOVER)
    accepted = submit_until_accepted(b, bid, "beta one", "b1")
    # A retry with the same clientTurnId gets the same turn, whoever answers.
    assert b.ok("battle:submit_turn", submit(bid, "beta one", "b1"))["turnId"] == accepted["turnId"]
    owner.proc.send_signal(signal.SIGCONT)
    # The old owner notices it lost the battle (its lease renewal, or its fenced writes).
    wait_until(lambda: "another instance" in owner.log_path.read_text(errors="replace"), "the old owner lets the battle go", TAKEOVER)
    spectator.wait_state("COMPLETED", timeout=WAIT + 5)
    spectator.wait_event("battle:results")
    snapshot = survivor.snapshot(bid)
    assert [t["content"] for t in snapshot["turns"]] == ["alpha one", "beta one"]
    logged = spectator.logged()
    assert_contiguous_log(logged)  # no seq twice, none missing
    assert logged[-1][1]["seq"] == snapshot["seq"]
    assert [t["content"] for t in spectator.events("battle:turn")] == ["alpha one", "beta one"]
    assert "moltarena_battle_takeovers_total 1" in metrics(survivor)
    assert spectator.events("battle:turn_skipped") == []
    assert len(spectator.events("battle:results")) == 1


def test_redis_restarted_mid_battle_broadcasts_resume_and_nothing_accepted_is_lost(pair, clients, redis_server):
    owner, other = pair
    tag = uuid.uuid4().hex[:6]
    alpha, beta = owner.create_agent(f"alpha-{tag}"), owner.create_agent(f"beta-{tag}")
    bid = owner.create_battle([alpha, beta], rounds=2)["id"]
    clients(owner, label="spectator on the owner").join(bid)
    assert holder(redis_server.url, bid) == owner.instance_id
    spectator = clients(other, label="spectator on the other")
    spectator.join(bid)
    a, b = clients(other, alpha), clients(owner, beta)
    a.join(bid)
    b.join(bid)
    a.expect("battle:your_turn")
    a.ok("battle:submit_turn", submit(bid, "alpha one", "a1"))
    b.expect("battle:your_turn")
    redis_server.stop()
    wait_until(lambda: owner.get_json("/health")[1] == {"status": "degraded", "database": "ok"}, "the owner sees Redis down", 10)
    assert 'moltarena_redis_connected{connection="subscriber"} 0' in metrics(owner)
    # The owner keeps running the battle it owns: beta, connected to it, plays.
    b.ok("battle:submit_turn", submit(bid, "beta one", "b1"))
    redis_server.start()
    wait_until(lambda: all(x.get_json("/health")[1] == {"status": "ok", "database": "ok"} for x in (owner, other)), "both back on Redis", 20)
    assert 'moltarena_redis_connected{connection="subscriber"} 1' in metrics(owner)
    # What the other instance's clients missed is in the database: they catch up by joining again.
    seen = spectator.logged()[-1][1]["seq"]
    spectator.join(bid, since_seq=seen)
    a.join(bid)
    turn = a.expect("battle:your_turn")
    assert turn["round"] == 2, turn
    submit_until_accepted(a, bid, "alpha two", "a2")
    b.expect("battle:your_turn")
    b.ok("battle:submit_turn", submit(bid, "beta two", "b2"))
    spectator.wait_state("COMPLETED", timeout=WAIT + 5)
    spectator.wait_event("battle:results")
    snapshot = other.snapshot(bid)
    assert [t["content"] for t in snapshot["turns"]] == ["alpha one", "beta one", "alpha two", "beta two"]
    logged = spectator.logged()
    assert_contiguous_log(logged)  # live, then the catch-up, then live again: no gap, no duplicate
    assert logged[-1][1]["seq"] == snapshot["seq"]
