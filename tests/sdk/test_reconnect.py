"""Lost connections mid-battle: the server crashes and comes back on the same database, and an
acknowledgement is lost on the way. Every client reconnects and resumes with sinceSeq; no turn
is lost, none is stored twice, and the spectator sees each event once, in order."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from moltarena import Agent, Spectator, SubmissionState, TurnRequest

from sdk_support import (
    WAIT, Player, Recorder, expected_order, new_agents, new_battle, payload_dicts,
)


class WireTap(Agent):
    """An Agent that records every `battle:submit_turn` it sends, and can lose one ack: the
    first answer to the round given, dropped as if the connection broke just before it arrived
    (and then the connection is cut for real)."""

    def __init__(self, *args: Any, lose_ack_of_round: int | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.sent: list[dict] = []
        self.lose_ack_of_round = lose_ack_of_round
        self.lost_acks: list[dict] = []
        self.ack_lost = threading.Event()

    def _send(self, event, payload, on_done):
        if event != "battle:submit_turn":
            return super()._send(event, payload, on_done)
        self.sent.append(dict(payload))

        def answered(result):
            if (self.lose_ack_of_round is not None and isinstance(result, dict)
                    and result.get("round") == self.lose_ack_of_round and not self.lost_acks):
                self.lost_acks.append(result)
                self.ack_lost.set()
                # Close the WebSocket under python-socketio: to it, a broken transport.
                asyncio.ensure_future(self._sio.eio.ws.close())
                return  # never seen: the drop fails the request as lost
            on_done(result)
        return super()._send(event, payload, answered)


def test_crash_and_lost_ack_mid_battle_lose_no_turn_and_double_none(arenas, sdk_clients):
    arena = arenas.fresh("battles")  # this test crashes its server
    alpha, beta = new_agents(arena.url, "crash-a", "crash-b")
    rounds = 3
    bid = new_battle(arena.url, alpha, beta, rounds)
    spectator = Spectator(arena.url, battles=[bid])
    watched = Recorder(spectator)
    sdk_clients.append(spectator)
    spectator.start()

    crashed = threading.Event()

    def crash_before_answering(turn: TurnRequest) -> None:
        # Alpha's last answer is ready only once the server has crashed and come back: it must
        # be sent after the reconnect, once. (Not before beta's lost ack: the crash would cut
        # that ack off first.)
        if turn.round == rounds and not crashed.is_set():
            assert b.ack_lost.wait(WAIT), "beta's round-1 ack never came"
            arena.crash_and_restart()
            crashed.set()

    players = {alpha.id: Player("alpha", before_answer=crash_before_answering),
               beta.id: Player("beta")}
    a = WireTap(arena.url, alpha.api_key, players[alpha.id], battles=[bid])
    b = WireTap(arena.url, beta.api_key, players[beta.id], battles=[bid], lose_ack_of_round=1)
    sdk_clients.extend([a, b])
    a.start()
    b.start()
    for client in (a, b, spectator):
        assert client.wait(WAIT * 2), client.results()
    assert crashed.is_set() and b.lost_acks, "the faults were not injected"
    for client in (a, b, spectator):
        assert client.stats.reconnects >= 1, client.stats

    # The server stored every turn once, in order.
    snapshot = arena.snapshot(bid)
    assert snapshot["status"] == "COMPLETED", snapshot
    stored = [(t["agentId"], t["round"]) for t in snapshot["turns"]]
    assert stored == expected_order(alpha, beta, rounds), stored

    # Each agent was asked once per round (the server offers the turn again after a rejoin),
    # and whatever it sent for a round went under one clientTurnId.
    for who, agent in ((alpha, a), (beta, b)):
        assert players[who.id].rounds() == list(range(1, rounds + 1)), players[who.id].rounds()
        submissions = agent.submissions(bid)
        assert [s.state for s in submissions] == [SubmissionState.ACCEPTED] * rounds
        by_round = {s.round: s for s in submissions}
        for payload in agent.sent:
            ours = [s for s in submissions if s.client_turn_id == payload["clientTurnId"]]
            assert len(ours) == 1 and ours[0].content == payload["content"], (payload, ours)
        assert {t["turnId"] for t in snapshot["turns"] if t["agentId"] == who.id} == \
            {s.turn_id for s in by_round.values()}
    # Beta's lost ack: its turn was stored; the replay after the rejoin showed it, so beta knew
    # without asking again (and asking again would have got the same turn back).
    assert b.lost_acks[0]["turnId"] == b.submissions(bid)[0].turn_id

    # The spectator, cut off by the crash too, saw every logged event once and in order.
    seen = watched.logged(bid)
    assert [p.seq for _, p in seen] == list(range(1, len(seen) + 1)), \
        [(e, p.seq) for e, p in seen]
    status, log = arena.get_json(f"/api/v1/battles/{bid}/log")
    assert status == 200 and payload_dicts(seen) == [(e["event"], e["data"])
                                                     for e in log["events"]]
    turns = watched.of("battle:turn")
    assert [(t.agent_id, t.round) for t in turns] == expected_order(alpha, beta, rounds)
    for client in (a, b, spectator):
        assert client.stats.duplicates_dropped == 0 and client.stats.gaps == 0, client.stats
