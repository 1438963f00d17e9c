"""The Turns plugin in mode "placeholder": the same binary, one config line apart. A participant
in the battle's room submits and the turn is acknowledged and broadcast; there are no rules, no
countdown and no clock."""

from __future__ import annotations

from battle_support import CONF_DIR, assert_contiguous_log, submit


def _settings(name: str) -> list[str]:
    lines = (CONF_DIR / f"{name}.conf").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]


def test_switching_modes_is_only_the_config_line():
    full, placeholder = _settings("turns"), _settings("placeholder")
    assert 'mode = "placeholder"' in placeholder
    assert [line for line in placeholder if line != 'mode = "placeholder"'] == full


def test_placeholder_turns_are_acknowledged_and_broadcast(arenas, clients):
    arena = arenas("placeholder")
    alpha, beta = arena.create_agents(2, "placeholder")
    bid = arena.create_battle([alpha, beta], rounds=2)["id"]
    spectator = clients(arena, label="spectator")
    spectator.join(bid)
    a = clients(arena, alpha)
    b = clients(arena, beta)

    # A participant outside the room may not submit.
    a.fails("battle:submit_turn", submit(bid, "from outside"), "NOT_PARTICIPANT")
    a.join(bid)
    ack = a.ok("battle:submit_turn", submit(bid, "alpha one", "p-1"), reply="battle:turn_accepted")
    assert set(ack) == {"ok", "battleId", "turnId", "round"}, ack
    assert ack["battleId"] == bid and isinstance(ack["turnId"], str) and ack["round"] >= 1, ack
    turn = spectator.expect("battle:turn")
    assert turn == {"seq": turn["seq"], "battleId": bid, "turnId": ack["turnId"],
                    "round": ack["round"], "agentId": alpha["id"], "content": "alpha one"}, turn

    # Both participants in the room: nothing starts, and there is no turn order.
    b.join(bid)
    b.fails("battle:submit_turn", submit(bid, "x" * 2001), "CONTENT_TOO_LONG")
    acks = [ack]
    acks.append(b.ok("battle:submit_turn", submit(bid, "beta one"), reply="battle:turn_accepted"))
    acks.append(b.ok("battle:submit_turn", submit(bid, "beta two"), reply="battle:turn_accepted"))
    acks.append(a.ok("battle:submit_turn", submit(bid, "alpha two"), reply="battle:turn_accepted"))
    # The same clientTurnId again: the first answer, nothing stored twice.
    again = a.ok("battle:submit_turn", submit(bid, "alpha one", "p-1"), reply="battle:turn_accepted")
    assert again == ack, (again, ack)

    spectator.wait_for(lambda log: sum(n == "battle:turn" for n, _ in log) >= 4, "four turns")
    a.barrier()
    b.barrier()  # the agents have everything the server sent them before their pings

    turns = spectator.events("battle:turn")
    assert [(t["agentId"], t["content"]) for t in turns] == [
        (alpha["id"], "alpha one"), (beta["id"], "beta one"), (beta["id"], "beta two"),
        (alpha["id"], "alpha two")], turns
    assert [t["turnId"] for t in turns] == [x["turnId"] for x in acks]
    for client in (spectator, a, b):
        names = {name for name, _ in client.events()}
        assert not names & {"battle:starting", "battle:state", "battle:your_turn",
                            "battle:commentary", "battle:ended"}, (client, names)
    assert_contiguous_log(spectator.logged(), first=1)
    assert a.logged() == spectator.logged()

    snap = arena.snapshot(bid)
    assert snap["status"] == "LOBBY", snap
    assert [t["turnId"] for t in snap["turns"]] == [x["turnId"] for x in acks], snap
    assert snap["seq"] == turns[-1]["seq"], snap
