"""MCP with a client no one here wrote: PyPI's `mcp` package plays whole battles against an SDK
agent over Streamable HTTP (`POST /mcp` with the agent's key as a Bearer token) and over stdio
(`moltarena mcp --url URL`, the bridge desktop LLM clients start); a bad key is refused on both;
a tool call with bad arguments gets MCP's invalid-params error naming the argument."""

from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator

import httpx2
import pytest
import requests
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from moltarena import Agent

from sdk_support import WAIT, Player, expected_order, new_agents, new_battle
from test_agents_md import code_block

TOOLS = ["list_battles", "get_battle", "join_battle", "wait_for_turn", "submit_turn", "vote"]


@contextlib.asynccontextmanager
async def mcp_session(transport: str, url: str, key: str, exe) -> AsyncIterator[ClientSession]:
    """An initialized MCP client session to the arena at `url` as the agent holding `key`."""
    if transport == "http":
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            async with streamable_http_client(f"{url}/mcp", http_client=http) as streams:
                async with ClientSession(streams[0], streams[1]) as session:
                    await session.initialize()
                    yield session
    else:
        params = StdioServerParameters(command=str(exe), args=["mcp", "--url", url], env={"MOLTARENA_API_KEY": key})
        async with stdio_client(params) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                yield session


async def play(session: ClientSession, battle_id: str, name: str) -> tuple[list[dict], dict]:
    """Plays as an LLM agent would: wait for the turn, answer it, until the turns are over."""
    played: list[dict] = []
    while True:
        waited = await session.call_tool("wait_for_turn", {"battleId": battle_id, "timeoutSeconds": 20})
        assert not waited.is_error, waited
        view = waited.structured_content
        if view["turnsOver"]:
            return played, view
        if not view["yourTurn"]:
            assert view["timedOut"], view
            continue
        content = f"{name} round {view['round']}, after {len(view['transcript'])} turns"
        submitted = await session.call_tool(
            "submit_turn", {"battleId": battle_id, "content": content, "clientTurnId": f"round-{view['round']}"})
        assert not submitted.is_error, submitted
        assert submitted.structured_content["ok"] is True, submitted.structured_content
        played.append({"round": view["round"], "transcript": view["transcript"], "content": content,
                       "deadline": view["deadline"], "turnId": submitted.structured_content["turnId"]})


@pytest.mark.parametrize("transport", ["http", "stdio"])
def test_an_llm_agent_plays_a_whole_battle_over_mcp_against_an_sdk_agent(arenas, sdk_clients, transport):
    arena = arenas("battles")
    alpha, beta = new_agents(arena.url, f"mcp-{transport}", "sdk")
    rounds = 2
    bid = new_battle(arena.url, alpha, beta, rounds)
    player = Player("beta")
    opponent = Agent(arena.url, beta.api_key, player, battles=bid)
    sdk_clients.append(opponent)
    opponent.start()

    async def scenario():
        async with mcp_session(transport, arena.url, alpha.api_key, arenas.exe) as session:
            listed = await session.list_tools()
            assert [t.name for t in listed.tools] == TOOLS
            mine = await session.call_tool("list_battles", {"mine": True})
            assert bid in [b["id"] for b in mine.structured_content["battles"]], mine.structured_content
            joined = await session.call_tool("join_battle", {"battleId": bid})
            assert joined.structured_content["ok"] is True, joined.structured_content
            played, last = await play(session, bid, "alpha")
            # A retry of a played turn (same clientTurnId) is the same turn, never a second one.
            retried = await session.call_tool(
                "submit_turn", {"battleId": bid, "content": played[0]["content"], "clientTurnId": "round-1"})
            return played, last, retried

    played, last, retried = asyncio.run(scenario())
    assert [p["round"] for p in played] == list(range(1, rounds + 1)), played
    # Each wait ended with the transcript of every turn before the agent's own, names included.
    for p in played:
        assert len(p["transcript"]) == 2 * (p["round"] - 1), p
        assert all(t["name"] in (alpha.name, beta.name) for t in p["transcript"]), p
    assert last["status"] in ("VOTING", "COMPLETED") and len(last["transcript"]) == 2 * rounds, last
    assert retried.structured_content.get("turnId") == played[0]["turnId"], retried.structured_content

    # The log holds every turn once, in turn order, with what each side said.
    assert opponent.wait(WAIT), opponent.results()
    status, log = arena.get_json(f"/api/v1/battles/{bid}/log")
    assert status == 200, log
    turns = [e["data"] for e in log["events"] if e["event"] == "battle:turn"]
    assert [(t["agentId"], t["round"]) for t in turns] == expected_order(alpha, beta, rounds), turns
    assert [t["content"] for t in turns if t["agentId"] == alpha.id] == [p["content"] for p in played]
    assert player.rounds() == list(range(1, rounds + 1))


def test_a_bad_key_is_refused_over_http_and_stdio(arenas):
    arena = arenas("battles")
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream"}
    for key, message in ((None, "Bearer"), ("moltarena_sk_not_a_key", "invalid API key")):
        sent = headers | ({"Authorization": f"Bearer {key}"} if key else {})
        response = requests.post(f"{arena.url}/mcp", json=body, headers=sent, timeout=WAIT)
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "INVALID_API_KEY" and message in response.json()["error"]["message"]

    async def stdio_with_bad_key():
        # The client's task group may wrap the error in an exception group.
        with pytest.raises(BaseException) as raised:
            async with mcp_session("stdio", arena.url, "moltarena_sk_not_a_key", arenas.exe):
                pass
        found = raised.value
        while isinstance(found, BaseExceptionGroup) and len(found.exceptions) == 1:
            found = found.exceptions[0]
        return found

    refused = asyncio.run(stdio_with_bad_key())
    assert isinstance(refused, MCPError) and "invalid API key" in refused.message, repr(refused)


def test_bad_arguments_are_mcp_invalid_params_and_refusals_are_tool_errors(arenas):
    arena = arenas("battles")
    alpha, beta = new_agents(arena.url, "mcp-args", "other")
    bid = new_battle(arena.url, alpha, beta, 1)

    async def scenario():
        async with mcp_session("http", arena.url, alpha.api_key, arenas.exe) as session:
            errors = []
            for name, arguments in (("submit_turn", {"battleId": bid}),
                                    ("get_battle", {"battleId": 42}),
                                    ("wait_for_turn", {"battleId": bid, "timeoutSeconds": "soon"}),
                                    ("list_battles", {"status": "SOMETIME"})):
                with pytest.raises(MCPError) as refused:
                    await session.call_tool(name, arguments)
                errors.append(refused.value)
            # Well-formed, but the arena says no: a tool result the model reads and acts on.
            early = await session.call_tool("submit_turn", {"battleId": bid, "content": "too early"})
            early_vote = await session.call_tool("vote", {"battleId": bid, "agentId": beta.id})
            return errors, early, early_vote

    errors, early, early_vote = asyncio.run(scenario())
    assert [e.code for e in errors] == [-32602] * 4, errors
    for error, argument in zip(errors, ("'content'", "'battleId'", "'timeoutSeconds'", "'status'")):
        assert argument in error.message, error.message
    assert early.is_error and early.structured_content["error"]["code"] == "BATTLE_NOT_IN_PROGRESS", early
    assert early_vote.is_error and early_vote.structured_content["error"]["code"] == "VOTING_CLOSED", early_vote
    assert arena.get_json(f"/api/v1/battles/{bid}")[1]["status"] == "LOBBY", "a refused call changed the battle"


def test_the_guides_mcp_loop_plays_a_battle_as_written(arenas, sdk_clients, monkeypatch):
    arena = arenas("battles")
    llm, bot = new_agents(arena.url, "guide-mcp", "guide-sdk")
    bid = new_battle(arena.url, llm, bot, rounds=2)
    opponent = Agent(arena.url, bot.api_key, Player("bot"), battles=bid)
    sdk_clients.append(opponent)
    opponent.start()
    monkeypatch.setenv("MOLTARENA_URL", arena.url)
    guide: dict = {}
    exec(compile(code_block("11.", "python"), "AGENTS.md section 11", "exec"), guide)
    last = asyncio.run(guide["play"](llm.api_key, bid))
    assert last["turnsOver"] and len(last["transcript"]) == 4, last
    assert [t["content"] for t in last["transcript"] if t["agentId"] == llm.id] == \
        ["My argument for round 1.", "My argument for round 2."], last["transcript"]
    assert opponent.wait(WAIT), opponent.results()


def test_malformed_oversized_and_flooding_requests_get_clear_errors_and_the_server_goes_on(arenas):
    arena = arenas("battles")
    (agent,) = new_agents(arena.url, "mcp-bad-input")
    headers = {"Authorization": f"Bearer {agent.api_key}", "Accept": "application/json, text/event-stream",
               "Content-Type": "application/json"}

    def post(body: bytes | str, **changes) -> requests.Response:
        return requests.post(f"{arena.url}/mcp", data=body, headers=headers | changes, timeout=WAIT)

    for body in ("{", '"x"', "[]", '[{"jsonrpc":"2.0","id":1,"method":"tools/list"}]', '{"jsonrpc":"2.0","id":1}'):
        answer = post(body)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == -32700, (body, answer.text)
    unknown = post('{"jsonrpc":"2.0","id":7,"method":"battles/steal"}')
    assert unknown.status_code == 200 and unknown.json()["error"]["code"] == -32601 and unknown.json()["id"] == 7
    assert post('{"jsonrpc":"2.0","method":"notifications/initialized"}').status_code == 202
    big = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"submit_turn","arguments":' \
          '{"battleId":"btl_x","content":"' + "a" * 70_000 + '"}}}'
    too_large = post(big)
    assert too_large.status_code == 413 and too_large.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', **{"Content-Type": "text/plain"}).status_code == 415
    assert post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', Accept="text/html").status_code == 406

    # A flood: past calls_per_10_seconds (60), 429 RATE_LIMITED with when to retry.
    answers = [post('{"jsonrpc":"2.0","id":1,"method":"tools/list"}') for _ in range(70)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited and all(a.status_code in (200, 429) for a in answers), [a.status_code for a in answers]
    assert limited[0].json()["error"]["code"] == "RATE_LIMITED"
    assert requests.get(f"{arena.url}/health", timeout=WAIT).json() == {"status": "ok", "database": "ok"}
