"""`moltarena serve --tls-cert --tls-key`: https and wss on one port, with python-socketio
on each transport, a certificate made for the test, and the client verifying it against
that certificate (or told explicitly not to verify)."""

from __future__ import annotations

import socket
import ssl
import urllib.request

import pytest
import requests
import socketio

from serve_support import TRANSPORTS, Arena, ArenaPeer
from support import WAIT, disconnect_all
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


@pytest.fixture
def tls_clients(arena, certificate, transports):
    """Factory: tls_clients(token=None, verify=CA) -> a connected ArenaPeer over TLS. `verify`
    is the CA file python-engineio checks the server against (both transports: its requests
    session for polling, the same path for its websocket-client), or False."""
    made: list[ArenaPeer] = []

    def make(token: str | None = None, verify=None) -> ArenaPeer:
        session = requests.Session()
        # requests lets REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE override a session's CA file; this
        # session trusts the test's certificate alone, whatever the environment says.
        session.trust_env = False
        session.verify = str(certificate.cert) if verify is None else verify
        options = {"http_session": session, "ssl_verify": session.verify is not False}
        peer = ArenaPeer(arena.url, transports, client_options=options)
        made.append(peer)
        return peer.connect(auth={"token": token} if token else None)

    yield make
    disconnect_all(made)


def test_the_server_announces_https(arena):
    assert arena.url.startswith("https://127.0.0.1:"), arena.url


def test_agent_and_spectator_play_over_tls_verifying_the_certificate(arena, tls_clients, transports):
    alpha, beta = arena.create_agent(), arena.create_agent()
    battle = arena.create_battle([alpha, beta])
    agent = tls_clients(token=alpha["apiKey"])
    assert agent.data("connected")["role"] == "agent"
    if transports == ["websocket"]:
        assert agent.sio.transport() == "websocket"
    joined = agent.ok("battle:join", {"battleId": battle["id"]})
    assert joined["role"] == "agent", joined
    assert agent.ok("ping", {"n": 1})["ok"] is True

    spectator = tls_clients()
    assert spectator.data("connected")["role"] == "spectator"
    watching = spectator.ok("battle:join", {"battleId": battle["id"]})
    assert watching["role"] == "spectator", watching


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_verification_disabled_explicitly_still_connects(tls_clients):
    peer = tls_clients(verify=False)
    assert peer.data("connected")["role"] == "spectator"


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
        assert answer.read() == b'{"status":"ok"}'


def test_plain_http_to_the_tls_port_gets_400_tls_required(arena):
    port = int(arena.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as plain:
        plain.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        received = b""
        while chunk := plain.recv(4096):
            received += chunk
    assert received.startswith(b"HTTP/1.1 400 Bad Request\r\n"), received
    assert b'"code":"TLS_REQUIRED"' in received, received
