"""Raw Engine.IO / Socket.IO traffic: wire order, bad input and limits.

Uses websocket-client (the PyPI package) and urllib, not a Socket.IO client, so
that the server sees exactly the bytes written here.
"""

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
import websocket

from support import WAIT, Peer

MAX_PAYLOAD = 1_000_000


def ws_url(server_url: str) -> str:
    parts = urlsplit(server_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}/socket.io/?EIO=4&transport=websocket"


def recv_skipping_pings(ws, timeout: float = WAIT) -> str:
    """The next packet that is not an Engine.IO ping (pings are answered)."""
    deadline = time.monotonic() + timeout
    while True:
        ws.settimeout(max(deadline - time.monotonic(), 0.01))
        msg = ws.recv()
        if msg == "2":
            ws.send("3")
            continue
        return msg


def sio_packet(msg, prefix: str):
    """The JSON payload of a text packet that must start with `prefix`."""
    assert isinstance(msg, str) and msg.startswith(prefix), f"expected {prefix}..., got {msg!r}"
    return json.loads(msg[len(prefix):])


def open_raw(server_url: str):
    """A WebSocket-only Engine.IO session: returns (ws, open packet payload)."""
    ws = websocket.create_connection(ws_url(server_url), timeout=WAIT)
    first = ws.recv()
    assert isinstance(first, str) and first.startswith("0"), f"expected an open packet, got {first!r}"
    return ws, json.loads(first[1:])


def connect_raw(server_url: str):
    """A raw WebSocket session connected to the "/" namespace."""
    ws, _ = open_raw(server_url)
    ws.send("40")
    # Either order here: the order itself is test_connect_reply_precedes_...
    got = sorted(recv_skipping_pings(ws) for _ in range(2))
    assert got[0].startswith("40{"), f"expected a CONNECT reply, got {got!r}"
    assert sio_packet(got[1], "42") == ["auth", {}]
    return ws


def assert_closed_soon(ws, within: float, why: str) -> None:
    """The server ends this session within `within` seconds: it closes the
    WebSocket or sends an Engine.IO CLOSE packet. Pings are answered meanwhile,
    so the heartbeat cannot be what ends it."""
    deadline = time.monotonic() + within
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            pytest.fail(f"the server did not close the connection within {within} s ({why})")
        ws.settimeout(remaining)
        try:
            msg = ws.recv()
        except websocket.WebSocketTimeoutException:
            continue
        except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError):
            return
        if msg in ("", b""):  # websocket-client's answer to a close frame
            return
        if msg == "1":  # an Engine.IO CLOSE packet ends the session too
            return
        if msg == "2":
            ws.send("3")
        # anything else (say a Socket.IO DISCONNECT before the close) is fine


@pytest.fixture
def healthy(server_url):
    """A well-behaved client that must keep working while others misbehave."""
    peer = Peer(server_url, ["websocket"]).connect()
    peer.barrier()
    yield peer
    peer.barrier()  # still served after the misbehaviour
    peer.disconnect()


def test_open_packet(server, server_url):
    ws, handshake = open_raw(server_url)
    try:
        assert set(handshake) >= {"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}
        assert handshake["upgrades"] == []  # already on WebSocket
        for key in ("pingInterval", "pingTimeout", "maxPayload"):
            assert isinstance(handshake[key], int), f"{key} must be an integer: {handshake!r}"
        assert handshake["maxPayload"] == MAX_PAYLOAD
        if server.started_here:
            assert (handshake["pingInterval"], handshake["pingTimeout"]) == (2000, 2000)
    finally:
        ws.close()


def test_connect_reply_precedes_events_from_connect_handler(server_url):
    ws, _ = open_raw(server_url)
    try:
        ws.send('40{"token":"raw"}')
        reply = recv_skipping_pings(ws)
        assert reply.startswith("40{"), f"CONNECT reply must come first, got {reply!r}"
        assert "sid" in json.loads(reply[2:])
        assert sio_packet(recv_skipping_pings(ws), "42") == ["auth", {"token": "raw"}]
        ws.send('421["message-with-ack","raw",1]')
        assert sio_packet(recv_skipping_pings(ws), "431") == ["raw", 1]
    finally:
        ws.close()


@pytest.mark.parametrize("garbage", [
    "garbage",                    # no such Engine.IO packet type
    "4garbage",                   # no such Socket.IO packet type
    '42{"not":"an array"}',       # EVENT payload must be an array
    '42abc["message"]',           # junk before the payload
    "4{",                         # not even a packet
], ids=["eio-type", "sio-type", "event-object", "junk-prefix", "truncated"])
def test_garbage_text_frame_closes_connection(server_url, healthy, garbage):
    ws = connect_raw(server_url)
    try:
        ws.send(garbage)
        # Connected already, so no connect timeout applies; pings are answered.
        assert_closed_soon(ws, within=3.0, why=f"after {garbage!r}")
    finally:
        ws.close()


def test_unexpected_binary_frame_closes_connection(server_url, healthy):
    ws = connect_raw(server_url)
    try:
        ws.send_binary(b"\x00\x01 no binary packet announced")
        assert_closed_soon(ws, within=3.0, why="after a binary frame nobody announced")
    finally:
        ws.close()


def test_no_connect_packet_is_closed_after_connect_timeout(server, healthy, server_url):
    if not server.started_here:
        pytest.skip("needs the server started with the default connect timeout (1 s)")
    ws, _ = open_raw(server_url)
    try:
        assert_closed_soon(ws, within=4.0, why="no CONNECT within the 1 s connect timeout")
    finally:
        ws.close()


def polling_session(server_url: str) -> str:
    """A new long-polling Engine.IO session at /socket.io/: its poll URL."""
    with urllib.request.urlopen(f"{server_url}/socket.io/?EIO=4&transport=polling",
                                timeout=WAIT) as resp:
        body = resp.read().decode()
    assert body.startswith("0{"), f"expected an open packet, got {body[:80]!r}"
    sid = json.loads(body[1:])["sid"]
    return f"{server_url}/socket.io/?EIO=4&transport=polling&sid={sid}"


def http(url: str, body: bytes | None = None, timeout: float = WAIT):
    """(status, body) of a GET, or of a POST when there is a body."""
    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET",
                                 headers={"Content-Type": "text/plain;charset=UTF-8"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


def close_with_poll_pending(server_url: str):
    """Start a poll, then send an Engine.IO CLOSE: the poll's (status, body)."""
    poll = polling_session(server_url)
    pending: dict = {}
    getter = threading.Thread(target=lambda: pending.update(r=http(poll)))
    getter.start()
    status, _ = http(poll, b"1")
    assert status == 200
    closed_at = time.monotonic()
    getter.join(timeout=WAIT)
    assert "r" in pending, "the pending poll was not answered after the client closed"
    assert time.monotonic() - closed_at < 1.5, "the pending poll was answered late, " \
        f"not because of the close: {pending['r']!r}"
    assert http(poll)[0] == 400, "the closed session still answers polls"
    return pending["r"]


def test_polling_close_answers_the_pending_poll(server_url, healthy):
    # Nothing shows when the server has the poll in hand, so the CLOSE may win
    # the race (the poll then gets 400 at once); try a few times for the case
    # that matters, a poll already waiting, which must get "6" (noop) at once.
    for _ in range(5):
        status, body = close_with_poll_pending(server_url)
        if status != 400:
            assert (status, body) == (200, "6")
            return


def test_oversized_polling_post_is_refused(server_url, healthy):
    poll = polling_session(server_url)
    big = ("4" + "x" * (MAX_PAYLOAD + 100)).encode()
    try:
        status, _ = http(poll, big, timeout=10)
    except (urllib.error.URLError, OSError) as err:  # reset, or no answer in time
        pytest.fail(f"no HTTP error answer to an oversized POST: {err!r}")
    assert 400 <= status < 500, f"a {len(big)}-byte POST got HTTP {status}, expected a 4xx error"


def test_an_upgrade_on_a_kept_alive_connection_is_refused_and_the_connection_closed(server_url, healthy):
    # aiohttp sends its WebSocket upgrade on a connection it kept alive from polling. The
    # server upgrades only a connection's first request: the later one gets 400 with
    # `Connection: close` (not a connection left hanging), and the session polls on.
    host, port = urlsplit(server_url).hostname, urlsplit(server_url).port
    with socket.create_connection((host, port), timeout=WAIT) as conn:
        conn.sendall(b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: arena\r\n\r\n")
        opened = read_response(conn)
        assert opened.startswith(b"HTTP/1.1 200 OK\r\n"), opened
        sid = json.loads(opened.split(b"\r\n\r\n", 1)[1][1:])["sid"]
        conn.sendall(
            f"GET /socket.io/?EIO=4&transport=websocket&sid={sid} HTTP/1.1\r\nHost: arena\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n".encode())
        refused = read_response(conn)
        head, body = refused.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 400 "), refused
        assert b"\r\nConnection: close" in head, refused
        assert b"first request" in body, refused
        assert conn.recv(1) == b"", "the connection stayed open after the refused upgrade"
    poll = f"{server_url}/socket.io/?EIO=4&transport=polling&sid={sid}"
    assert http(poll, b'40') == (200, "ok"), "the session did not survive the refused upgrade"


def read_response(conn: socket.socket) -> bytes:
    """One HTTP response with a Content-Length body, read from a raw socket."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        assert chunk, f"the connection closed mid-response: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        chunk = conn.recv(4096)
        assert chunk, f"the connection closed mid-body: {data!r}"
        body += chunk
    return head + b"\r\n\r\n" + body
