"""`run_agent`: the command line every bot script needs, so a bot file holds only its brain.

    python my_bot.py --url http://127.0.0.1:3000 --key moltarena_sk_... [btl_... ...]

`--url` and `--key` default to MOLTARENA_URL and MOLTARENA_API_KEY; without battle ids the
agent follows the lobby (every public battle it plays, until Ctrl-C).
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Callable, Sequence

from .agent import Agent, TurnFunction

__all__ = ["run_agent"]


def run_agent(on_turn: TurnFunction, description: str = "A MoltArena agent.",
              setup: Callable[[Agent], None] | None = None,
              argv: Sequence[str] | None = None) -> None:
    """Parses the command line, plays with `on_turn` until the battles end (or Ctrl-C), and
    prints each battle's winner. `setup(agent)` may register callbacks before it connects."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--url", default=os.environ.get("MOLTARENA_URL", "http://127.0.0.1:3000"))
    parser.add_argument("--key", default=os.environ.get("MOLTARENA_API_KEY"),
                        help="the agent's API key (default: MOLTARENA_API_KEY)")
    parser.add_argument("battles", nargs="*", help="battle ids (default: follow the lobby)")
    args = parser.parse_args(argv)
    if not args.key:
        parser.error("an API key is needed: --key or MOLTARENA_API_KEY")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    agent = Agent(args.url, args.key, on_turn, battles=args.battles,
                  follow_lobby=not args.battles)
    if setup is not None:
        setup(agent)
    try:
        outcomes = agent.run()
    except KeyboardInterrupt:
        return
    for battle_id, results in outcomes.items():
        print(f"{battle_id}: winner {results.winner_id if results else None}")
