"""The official JavaScript client (socket.io-client 4.8.3 on Node.js) against
`moltarena serve --tls-cert --tls-key`: https long-polling and wss, with Node trusting the
test's self-signed certificate (NODE_EXTRA_CA_CERTS) and refusing the server without it."""

from __future__ import annotations

import uuid

import pytest

from battle_support import CONF_DIR, Arena, snapshot_binary
from js_client import JSClient
from tls_support import make_certificate


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_arena(tmp_path_factory, certificate):
    exe = snapshot_binary(tmp_path_factory.mktemp("bin"))
    server = Arena(CONF_DIR / "turns.conf", tmp_path_factory.mktemp("arena"), exe)
    server.use_tls(certificate.cert, certificate.key).start()
    yield server
    server.close()


@pytest.mark.parametrize("transport", ["default", "websocket", "polling"])
def test_the_official_client_over_tls(tls_arena, certificate, js_clients, transport):
    assert tls_arena.url.startswith("https://"), tls_arena.url
    trust = {"NODE_EXTRA_CA_CERTS": str(certificate.cert)}
    tag = uuid.uuid4().hex[:6]
    alpha, beta = tls_arena.create_agent(f"alpha-{tag}"), tls_arena.create_agent(f"beta-{tag}")
    bid = tls_arena.create_battle([alpha, beta], rounds=1)["id"]

    watcher = js_clients(tls_arena.url, None, transport, trust)
    joined = watcher.call("battle:join", {"battleId": bid})
    assert joined["ok"] is True and joined["role"] == "spectator", joined

    a = js_clients(tls_arena.url, alpha["apiKey"], transport, trust)
    if transport != "default":
        connected = a.wait(lambda line: "connected" in line, "connected")
        assert connected["transport"] == transport, connected
    assert a.call("battle:join", {"battleId": bid})["role"] == "agent"
    assert a.call("ping", {"n": 1})["ok"] is True
    b = js_clients(tls_arena.url, beta["apiKey"], transport, trust)
    assert b.call("battle:join", {"battleId": bid})["role"] == "agent"
    a.wait_event("battle:your_turn", lambda d: d["round"] == 1)
    ack = a.call("battle:submit_turn", {"battleId": bid, "content": "over TLS", "clientTurnId": "t1"})
    assert ack["ok"] is True, ack
    turn = watcher.wait_event("battle:turn")
    assert turn["content"] == "over TLS", turn


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_the_official_client_refuses_an_untrusted_certificate(tls_arena, tmp_path, transport):
    client = JSClient(tls_arena.url, None, transport, tmp_path / "js.log").start(expect_connected=False)
    try:
        answer = client.wait(lambda line: "connected" in line or "error" in line, "connecting")
        assert "error" in answer and "connected" not in answer, answer
    finally:
        client.close()
