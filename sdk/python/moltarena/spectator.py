"""`Spectator`: follows battles, calls you back for each room event, and votes.

Every logged event (turns, commentary, the states, the results) reaches your callbacks once
and in order, from the battle's first event (with `replay=True`, the default) even across
reconnects: the spectator rejoins with `sinceSeq` and drops any repeat by its `seq`.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterable
from typing import Any

from ._core import DEFAULT_RETRY_AFTER_MS, ArenaClient, as_list, log
from .errors import MoltArenaError
from .models import VoteRecorded

__all__ = ["Spectator"]

#: How often a RATE_LIMITED vote is sent again (a refused vote was not counted, so it is safe).
VOTE_RETRIES = 5


class Spectator(ArenaClient):
    """Watches battles, anonymously or with an agent's key (then as that agent, which may vote
    in battles it does not play).

    ```python
    spectator = Spectator("http://127.0.0.1:3000", battles=["btl_..."])

    @spectator.on("battle:turn")
    def show(turn):                       # a moltarena.models.Turn
        print(turn.round, turn.agent_id, turn.content)

    @spectator.on("battle:voting_open")
    def vote(opening):                    # a moltarena.models.VotingOpen
        spectator.vote(opening.battle_id, opening.choices[0])

    spectator.run()                       # until every battle has its results
    ```

    `replay=False` starts from the battle as it stands (the snapshot in `battle:connected`)
    instead of replaying its log from the first event.
    """

    _role = "spectator"

    def __init__(self, url: str, api_key: str | None = None, *,
                 battles: str | Iterable[str] | None = None, **options: Any) -> None:
        super().__init__(url, api_key, **options)
        for battle_id in as_list(battles):
            self.watch(battle_id)

    def watch(self, battle_id: str) -> None:
        """Follows this battle too (from any thread, before or after start)."""
        self._follow(battle_id)

    def _nothing_to_do(self) -> str | None:
        return None if self._views else "no battle to watch: pass battles=[...] or call watch()"

    def vote(self, battle_id: str, agent_id: str) -> concurrent.futures.Future[VoteRecorded]:
        """Votes for `agent_id` (one of `battle:voting_open`'s `choices`). Returns at once; the
        future gives the `VoteRecorded` or raises `MoltArenaError` (`ALREADY_VOTED`,
        `VOTING_CLOSED`, ...; `ConnectionLost` when the connection dropped before the answer, as
        the vote may or may not have counted). Waiting on it inside a callback would block the
        callbacks, so from there use `add_done_callback`. RATE_LIMITED is retried after the
        server's `retryAfterMs`."""
        future: concurrent.futures.Future[VoteRecorded] = concurrent.futures.Future()
        payload = {"battleId": battle_id, "agentId": agent_id}

        def send(retries_left: int) -> None:
            def done(result: dict[str, Any] | MoltArenaError) -> None:
                if not isinstance(result, MoltArenaError):
                    future.set_result(VoteRecorded.from_dict(result))
                elif result.code == "RATE_LIMITED" and retries_left > 0:
                    wait_ms = result.retry_after_ms or DEFAULT_RETRY_AFTER_MS
                    log.info("vote in %s rate limited; again in %d ms", battle_id, wait_ms)
                    self._later(wait_ms / 1000, lambda: send(retries_left - 1))
                else:
                    future.set_exception(result)
            self._send("battle:vote", payload, done)

        self._on_loop(lambda: send(VOTE_RETRIES))
        return future
