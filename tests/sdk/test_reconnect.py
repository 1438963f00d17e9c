"""Lost connections mid-battle: the server crashes and comes back on the same database, and an
acknowledgement is lost on the way. Every client reconnects and resumes with sinceSeq; no turn
is lost, none is stored twice, and the spectator sees each event once, in order."""

from __future__ import annotations

import threading
from typing import Any

from moltarena import Agent, Spectator, SubmissionState, TurnRequest

from sdk_support import (
    WAIT, Player, Recorder, drop_transport, expected_order, new_agents, new_battle,
    payload_dicts, wait_until,
)


class WireTap(Agent):
    """An Agent that records every `battle:submit_turn` it sends, and can lose one on the way:
    `lose="send"` drops the first submission of round `round` before it leaves (the server
    never gets it), `lose="ack"` drops the server's answer to it (the turn is stored, the agent
    never hears so). Either way the connection is then cut, as when a network fails."""

    def __init__(self, *args: Any, lose: str | None = None, round: int = 0, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.sent: list[dict] = []
        self.lose, self.lose_round = lose, round
        self.lost: list[dict] = []
        self.done_losing = threading.Event()

    def _round_of(self, payload: dict) -> int:
        answers = self._plays[payload["battleId"]].answers.values()
        return next(s.round for s in answers if s.client_turn_id == payload["clientTurnId"])

    def _send(self, event, payload, on_done):
        if event != "battle:submit_turn":
            return super()._send(event, payload, on_done)
        self.sent.append(dict(payload))
        to_lose = not self.lost and self._round_of(payload) == self.lose_round
        if to_lose and self.lose == "send":
            self.lost.append(dict(payload))
            self.done_losing.set()
            drop_transport(self)
            return None  # never sent; the drop leaves the turn to be sent again

        def answered(result):
            if to_lose and self.lose == "ack" and isinstance(result, dict):
                self.lost.append(result)
                self.done_losing.set()
                drop_transport(self)
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
    cut_off = threading.Event()

    def faults_before_answering(turn: TurnRequest) -> None:
        if turn.round == 2 and not cut_off.is_set():
            # The spectator loses its connection just before this turn: the battle goes on
            # while it reconnects, and it must catch up from its last seq.
            drop_transport(spectator)
            cut_off.set()
        if turn.round == rounds and not crashed.is_set():
            # Alpha's last answer is ready only once the server has crashed and come back: it
            # is sent after the reconnect, once. The earlier faults are over by then (a crash
            # would cut beta's ack off itself), and the spectator is back from its own.
            assert b.done_losing.wait(WAIT) and a.done_losing.wait(WAIT)
            wait_until(lambda: spectator.stats.reconnects >= 1, "the spectator back")
            arena.crash_and_restart()
            crashed.set()

    players = {alpha.id: Player("alpha", before_answer=faults_before_answering),
               beta.id: Player("beta")}
    # Alpha's round-2 turn never reaches the server the first time; beta's round-1 turn is
    # stored but its ack is lost.
    a = WireTap(arena.url, alpha.api_key, players[alpha.id], battles=[bid], lose="send", round=2)
    b = WireTap(arena.url, beta.api_key, players[beta.id], battles=[bid], lose="ack", round=1)
    sdk_clients.extend([a, b])
    a.start()
    b.start()
    for client in (a, b, spectator):
        assert client.wait(WAIT * 2), client.results()
    assert crashed.is_set() and cut_off.is_set() and a.lost and b.lost, "faults not injected"
    for client in (a, b, spectator):
        assert client.stats.reconnects >= 1, client.stats
    assert spectator.stats.reconnects >= 2, spectator.stats

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
    # without sending it again (which would have got the same turn back).
    assert b.lost[0]["turnId"] == b.submissions(bid)[0].turn_id
    assert [s.attempts for s in b.submissions(bid)] == [1] * rounds
    # Alpha's lost round-2 turn went again after the rejoin, under the same clientTurnId.
    (lost,) = a.lost
    resent = [p for p in a.sent if p["clientTurnId"] == lost["clientTurnId"]]
    assert resent == [lost, lost], a.sent
    assert a.submissions(bid)[1].attempts == 2 and a.stats.resubmitted_turns >= 1

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
