"""`moltarena serve --tls-cert --tls-key`: https and wss on one port, with python-socketio's
asyncio client on each transport, a certificate made for the test, and the client verifying
it against that certificate (or told explicitly not to verify). aiohttp sends its WebSocket
upgrade on a kept-alive polling connection, which the server refuses (an upgrade must be a
connection's first request), so that client stays on long-polling; the official JavaScript
client's TLS tests (tests/interop/jsclient) cover the upgrade over TLS."""

from __future__ import annotations

import asyncio
import socket
import ssl
import urllib.request

import aiohttp
import pytest
import socketio

from serve_support import TRANSPORTS, Arena, ArenaPeer
from support import WAIT
from tls_support import make_certificate


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def arena(tmp_path_factory, certificate):
    srv = Arena(tmp_path_factory.mktemp("arena")).use_tls(certificate.cert, certificate.key).start()
    try:
        yield srv
    finally:
        srv.close()


@pytest.fixture(params=list(TRANSPORTS), ids=list(TRANSPORTS))
def transports(request):
    return TRANSPORTS[request.param]


class TLSPeer:
    """python-socketio's AsyncClient (aiohttp) over TLS, trusting `verify` (a CA file) or
    nothing checked (False).

    Not the threaded socketio.Client: it reads and writes one SSL socket from two threads at
    once, which Python's ssl module does not support, and now and then its wss connection
    drops right after connecting (python-engineio issue 461; the server sees the client reset
    the connection). The asyncio client uses its socket from one thread."""

    def __init__(self, url: str, transports, verify):
        self.url, self.transports = url, transports
        context = ssl.create_default_context(cafile=verify) if verify else False
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))
        self.sio = socketio.AsyncClient(reconnection=False, http_session=self.session)
        self.connected: asyncio.Queue = asyncio.Queue()
        self.sio.on("connected", self.connected.put_nowait)

    async def connect(self, token: str | None = None) -> dict:
        await self.sio.connect(self.url, auth={"token": token} if token else None,
                               transports=self.transports, wait_timeout=WAIT)
        return await asyncio.wait_for(self.connected.get(), WAIT)

    async def ok(self, event: str, data: dict) -> dict:
        ack = await self.sio.call(event, data, timeout=WAIT)
        assert ack.get("ok") is True, f"{event!r} failed: {ack!r}"
        return ack

    async def close(self) -> None:
        await self.sio.disconnect()
        await self.session.close()


def play(scenario):
    """Runs an async scenario with its TLS peers, closing every peer it made."""
    async def run():
        made: list[TLSPeer] = []
        try:
            await scenario(made)
        finally:
            for peer in made:
                await peer.close()
    asyncio.run(run())


def test_the_server_announces_https(arena):
    assert arena.url.startswith("https://127.0.0.1:"), arena.url


def test_agent_and_spectator_play_over_tls_verifying_the_certificate(arena, certificate, transports):
    alpha, beta = arena.create_agent(), arena.create_agent()
    battle = arena.create_battle([alpha, beta])

    async def scenario(made):
        agent = TLSPeer(arena.url, transports, str(certificate.cert))
        made.append(agent)
        assert (await agent.connect(alpha["apiKey"]))["role"] == "agent"
        if transports == ["websocket"]:
            assert agent.sio.transport() == "websocket"
        joined = await agent.ok("battle:join", {"battleId": battle["id"]})
        assert joined["role"] == "agent", joined
        assert (await agent.ok("ping", {"n": 1}))["ok"] is True

        spectator = TLSPeer(arena.url, transports, str(certificate.cert))
        made.append(spectator)
        assert (await spectator.connect())["role"] == "spectator"
        watching = await spectator.ok("battle:join", {"battleId": battle["id"]})
        assert watching["role"] == "spectator", watching

    play(scenario)


def test_verification_disabled_explicitly_still_connects(arena, transports):
    async def scenario(made):
        peer = TLSPeer(arena.url, transports, verify=False)
        made.append(peer)
        assert (await peer.connect())["role"] == "spectator"

    play(scenario)


def test_a_client_without_the_certificate_refuses_the_server(arena, transports):
    # The default trust store does not hold the test's self-signed certificate.
    peer = ArenaPeer(arena.url, transports)
    with pytest.raises(socketio.exceptions.ConnectionError):
        peer.connect()
    assert not peer.sio.connected


def test_health_over_https(arena, certificate):
    context = ssl.create_default_context(cafile=str(certificate.cert))
    with urllib.request.urlopen(arena.url + "/health", context=context, timeout=WAIT) as answer:
        assert answer.status == 200
        assert answer.read() == b'{"database":"ok","status":"ok"}'


def test_plain_http_to_the_tls_port_gets_400_tls_required(arena):
    port = int(arena.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as plain:
        plain.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        received = b""
        while chunk := plain.recv(4096):
            received += chunk
    assert received.startswith(b"HTTP/1.1 400 Bad Request\r\n"), received
    assert b'"code":"TLS_REQUIRED"' in received, received
