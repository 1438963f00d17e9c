"""An arena on PostgreSQL: moved there from SQLite with `moltarena db copy`, and a battle that
goes on while PostgreSQL restarts."""

from __future__ import annotations

import subprocess
import time
import uuid

from battle_support import CONF_DIR, WAIT, Arena, assert_contiguous_log, submit, take_turn, words
from serve_process import REPO_ROOT, fresh_database
from support import wait_until

POSTGRES_SH = REPO_ROOT / "scripts" / "postgres.sh"


def play_with_a_vote(arena, clients):
    """A finished battle: two turns each way, one vote, results. Returns (battle id, agents)."""
    tag = uuid.uuid4().hex[:6]
    alpha, beta, voter = (arena.create_agent(f"{n}-{tag}") for n in ("alpha", "beta", "voter"))
    bid = arena.create_battle([alpha, beta], rounds=1)["id"]
    a, b, v = clients(arena, alpha), clients(arena, beta), clients(arena, voter)
    v.join(bid, role="spectator")
    a.join(bid)
    b.join(bid)
    take_turn(a, bid, 1, words("alpha", 12))
    take_turn(b, bid, 1, words("beta", 6))
    v.wait_event("battle:voting_open", timeout=WAIT)
    v.ok("battle:vote", {"battleId": bid, "agentId": alpha["id"]})
    v.wait_event("battle:results", timeout=WAIT)
    return bid, (alpha, beta, voter)


def test_db_copy_moves_a_sqlite_arena_to_postgres_with_the_same_battles(postgres, exe, clients, tmp_path_factory):
    conf = CONF_DIR / "voting.conf"
    on_sqlite = Arena(conf, tmp_path_factory.mktemp("sqlite-arena"), exe)
    on_sqlite.db = str(on_sqlite.workdir / "arena.sqlite")
    on_sqlite.start()
    finished, (alpha, _, _) = play_with_a_vote(on_sqlite, clients)
    waiting = on_sqlite.create_battle(list(on_sqlite.create_agents(2, "later")), rounds=2)["id"]
    before = {bid: (on_sqlite.snapshot(bid), on_sqlite.get_json(f"/api/v1/battles/{bid}/log")) for bid in (finished, waiting)}
    assert before[finished][0]["status"] == "COMPLETED" and before[waiting][0]["status"] == "LOBBY"
    on_sqlite.close()

    target = fresh_database(tmp_path_factory.mktemp("unused"), on_postgres=True)
    copy = [str(exe), "db", "copy", "--config", str(conf), "--from", on_sqlite.db, "--to", target]
    done = subprocess.run(copy, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    counts = dict(line.split(": ") for line in done.stdout.strip().splitlines())
    assert counts["agents"] == "5 rows" and counts["votes"] == "1 rows" and counts["turns"] == "2 rows", counts
    again = subprocess.run(copy, capture_output=True, text=True, timeout=60)
    assert again.returncode != 0 and "empty database" in again.stderr, (again.stdout, again.stderr)

    on_postgres = Arena(conf, tmp_path_factory.mktemp("postgres-arena"), exe)
    on_postgres.db = target
    on_postgres.start()
    try:
        for bid, (snapshot, log) in before.items():
            assert on_postgres.snapshot(bid) == snapshot
            assert on_postgres.get_json(f"/api/v1/battles/{bid}/log") == log
        # The agents' keys came along: alpha connects with its key and sees its battle.
        watcher = clients(on_postgres, alpha)
        assert watcher.join(finished)["battle"]["status"] == "COMPLETED"
        assert on_postgres.get_json("/health") == (200, {"status": "ok", "database": "ok"})
    finally:
        on_postgres.close()


def test_a_battle_goes_on_while_postgres_restarts_and_nothing_acknowledged_is_lost(postgres, exe, clients, tmp_path_factory):
    arena = Arena(CONF_DIR / "turns.conf", tmp_path_factory.mktemp("arena"), exe)
    arena.db = fresh_database(arena.workdir, on_postgres=True)
    arena.start()
    try:
        alpha, beta = arena.create_agents(2, "restart")
        bid = arena.create_battle([alpha, beta], rounds=3)["id"]
        spectator = clients(arena, label="spectator")
        spectator.join(bid)
        a, b = clients(arena, alpha), clients(arena, beta)
        a.join(bid)
        b.join(bid)
        acked = [take_turn(a, bid, 1, words("a1-", 5))["turnId"], take_turn(b, bid, 1, words("b1-", 5))["turnId"]]
        a.expect("battle:your_turn")

        subprocess.run(["bash", str(POSTGRES_SH), "stop", postgres["dir"]], check=True, timeout=60)
        try:
            refused = a.call("battle:submit_turn", submit(bid, words("a2-", 5), "alpha-round-2"))
            assert refused["ok"] is False and refused["error"]["code"] == "DATABASE_UNAVAILABLE", refused
            assert refused["error"]["retryAfterMs"] > 0, refused
            assert arena.get_json("/health") == (200, {"status": "degraded", "database": "unavailable"})
        finally:
            subprocess.run(["bash", str(POSTGRES_SH), "start", postgres["dir"]], check=True, timeout=60)

        # The same turn again, as a client does after DATABASE_UNAVAILABLE, until it is taken.
        deadline = time.monotonic() + WAIT
        while True:
            answer = a.call("battle:submit_turn", submit(bid, words("a2-", 5), "alpha-round-2"))
            if answer["ok"]:
                break
            assert answer["error"]["code"] == "DATABASE_UNAVAILABLE" and time.monotonic() < deadline, answer
            time.sleep(answer["error"]["retryAfterMs"] / 1000)  # the server's own retry advice
        acked.append(answer["turnId"])
        assert a.expect("battle:turn_accepted")["turnId"] == answer["turnId"]  # its reply event
        acked.append(take_turn(b, bid, 2, words("b2-", 5))["turnId"])
        acked.append(take_turn(a, bid, 3, words("a3-", 5))["turnId"])
        acked.append(take_turn(b, bid, 3, words("b3-", 5))["turnId"])
        spectator.wait_state("COMPLETED")
        wait_until(lambda: arena.get_json("/health")[1] == {"status": "ok", "database": "ok"}, WAIT, "health back to ok")

        turns = [t["turnId"] for t in arena.snapshot(bid)["turns"]]
        assert turns == acked, "every acknowledged turn once, in order, and nothing else"
        assert_contiguous_log(spectator.logged())
        assert [d["turnId"] for d in spectator.events("battle:turn")] == acked
    finally:
        arena.close()
