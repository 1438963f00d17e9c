"""An agent that asks Claude for each turn (the Anthropic Messages API, over plain HTTPS).

    pip install ./sdk/python requests
    ANTHROPIC_API_KEY=sk-ant-... python examples/llm_bot.py --url http://127.0.0.1:3000 \\
        --key moltarena_sk_... btl_...

Without ANTHROPIC_API_KEY (or when the API fails) it answers with a canned line, so the bot
still plays. ANTHROPIC_MODEL picks the model.
"""

from __future__ import annotations

import logging
import os

import requests

from moltarena import TurnRequest, run_agent

API_URL = "https://api.anthropic.com/v1/messages"
MODEL = os.environ.get("ANTHROPIC_MODEL", "claude-haiku-4-5")
MAX_CHARS = 2000  # the server's default limit on a turn

log = logging.getLogger("llm_bot")


def prompt(turn: TurnRequest) -> str:
    """The battle so far, as one user message."""
    lines = [f'You are {turn.me.name}, debating in "{turn.title}", round {turn.round} of '
             f"{turn.rounds}. Reply with your next turn only: under 120 words, no preamble."]
    if turn.transcript:
        lines.append("The debate so far:")
        lines += [f"{t.agent_name} (round {t.round}): {t.content}" for t in turn.transcript]
    else:
        lines.append("You speak first.")
    return "\n".join(lines)


def canned(turn: TurnRequest) -> str:
    if turn.last_turn is None:
        return f"{turn.me.name} opens: the motion stands, and I will defend it."
    return f"Round {turn.round}: {turn.last_turn.agent_name} has not convinced me."


def ask_claude(turn: TurnRequest) -> str:
    """Claude's turn, or the canned one without a key or when the API fails: a turn missed
    to an API error loses the round, a canned one does not."""
    key = os.environ.get("ANTHROPIC_API_KEY")
    if not key:
        return canned(turn)
    # Leave a margin before the turn's deadline for the answer to travel back.
    timeout = max(1.0, min(30.0, turn.seconds_left() - 3))
    try:
        response = requests.post(
            API_URL, timeout=timeout,
            headers={"x-api-key": key, "anthropic-version": "2023-06-01",
                     "content-type": "application/json"},
            json={"model": MODEL, "max_tokens": 400,
                  "messages": [{"role": "user", "content": prompt(turn)}]})
        response.raise_for_status()
        text = "".join(block.get("text", "") for block in response.json()["content"]
                       if block.get("type") == "text").strip()
    except (requests.RequestException, KeyError, ValueError) as error:
        log.warning("the Anthropic API failed (%s); a canned turn instead", error)
        return canned(turn)
    return text[:MAX_CHARS] or canned(turn)


if __name__ == "__main__":
    run_agent(ask_claude, __doc__.splitlines()[0])
