"""python-socketio 5.x (the sync Client) against the conformance server.

Every test runs once per transport setting (see conftest.TRANSPORTS): the
client's default (long-polling, then upgrade to WebSocket), WebSocket only and
long-polling only.
"""

import pytest
import socketio

from support import WAIT, Peer, wait_until

UNICODE = "héllo wörld ✓ 😀"


# --- connection and handshake ------------------------------------------------

def test_default_transports_upgrade_to_websocket(server_url):
    peer = Peer(server_url, None).connect()
    try:
        # python-engineio upgrades inside connect() and silently stays on
        # polling if the upgrade fails: make that failure visible.
        assert peer.sio.transport() == "websocket"
        peer.barrier()
    finally:
        peer.disconnect()


def test_connect_with_auth_is_echoed(peers):
    auth = {"token": "good", "n": 1, "nested": {"list": [1, "two", None]}}
    peer = peers(auth=auth)
    assert peer.expect("auth") == (auth,)
    assert peer.sio.get_sid() is not None
    assert peer.sio.get_sid() != peer.sio.eio.sid, "Socket.IO sid must differ from Engine.IO sid"


def test_connect_without_auth_gets_empty_object(peers):
    peer = peers()
    assert peer.expect("auth") == ({},)


def test_connect_error_reaches_client_with_message_and_data(peers):
    peer = peers(connect=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        peer.connect(auth={"token": "bad"})
    # python-socketio hands the CONNECT_ERROR payload object to connect_error as is.
    (data,) = peer.expect("connect_error")
    assert data == {"message": "invalid token", "data": {"code": "INVALID_TOKEN"}}
    assert not peer.sio.connected

    # The refusal left nothing broken: the same client connects with a good token.
    peer.connect(auth={"token": "good"})
    assert peer.expect("auth") == ({"token": "good"},)
    peer.barrier()


def test_custom_namespace_has_no_auth_middleware(peers):
    peer = peers(connect=False, namespaces=["/custom"])
    peer.connect(auth={"token": "bad"})
    assert peer.expect("auth", ns="/custom") == ({"token": "bad"},)


def test_custom_namespace(peers):
    peer = peers(connect=False, namespaces=["/custom"])
    peer.connect(auth={"ns": "custom"})
    assert peer.expect("auth", ns="/custom") == ({"ns": "custom"},)
    assert peer.call("message-with-ack", 1, "two", ns="/custom") == (1, "two")
    peer.emit("message", {"x": 1}, ns="/custom")
    assert peer.expect("message-back", ns="/custom") == ({"x": 1},)
    who = peer.call("whoami", ns="/custom")[0]
    assert who["sid"] == peer.sio.get_sid("/custom")


def test_two_namespaces_on_one_connection(peers):
    peer = peers(connect=False, namespaces=["/", "/custom"])
    peer.connect(auth={"both": True})
    assert peer.expect("auth", ns="/") == ({"both": True},)
    assert peer.expect("auth", ns="/custom") == ({"both": True},)
    assert peer.sio.get_sid("/") != peer.sio.get_sid("/custom")
    assert peer.call("message-with-ack", "root", ns="/") == ("root",)
    assert peer.call("message-with-ack", "custom", ns="/custom") == ("custom",)


def test_unknown_namespace_is_refused(peers):
    peer = peers(connect=False, namespaces=["/random"])
    with pytest.raises(socketio.exceptions.ConnectionError):
        peer.connect()
    (data,) = peer.expect("connect_error", ns="/random")
    assert data == {"message": "Invalid namespace"}


# --- events and acks ----------------------------------------------------------

def test_emit_with_ack(peers):
    peer = peers()
    # python-socketio's own call(): one ack argument comes back as the value...
    assert peer.sio.call("message-with-ack", {"a": [1, 2.5, True, None]}, timeout=WAIT) \
        == {"a": [1, 2.5, True, None]}
    # ...several as a tuple, none as None.
    assert peer.sio.call("message-with-ack", (1, UNICODE, [3]), timeout=WAIT) == (1, UNICODE, [3])
    assert peer.sio.call("message-with-ack", timeout=WAIT) is None


def test_acks_are_matched_to_their_calls(peers):
    peer = peers()
    for i in range(20):
        assert peer.call("message-with-ack", i, str(i)) == (i, str(i))


def test_server_emit_is_received(peers):
    peer = peers()
    peer.emit("message", 1, UNICODE, {"three": [3, {"four": 4.5}]}, None, False)
    assert peer.expect("message-back") == (1, UNICODE, {"three": [3, {"four": 4.5}]}, None, False)
    peer.emit("message")
    assert peer.expect("message-back") == ()


def test_binary_payload_round_trip(peers):
    peer = peers()
    blob = bytes(range(256)) * 4
    args = (blob, {"nested": b"\x00\x01\xff", "list": [b"abc", 7, "text"]}, "plain")
    peer.emit("message", *args)
    got = peer.expect("message-back")
    assert got == args
    assert isinstance(got[0], bytes) and isinstance(got[1]["nested"], bytes)


def test_binary_payload_in_ack(peers):
    peer = peers()
    args = ({"blob": b"\xde\xad\xbe\xef"}, b"second")
    assert peer.call("message-with-ack", *args) == args


def test_large_binary_payload(peers):
    # 300 KB: 400 KB as base64 over polling, still well under maxPayload.
    peer = peers()
    blob = bytes(i % 251 for i in range(300_000))
    peer.emit("message", blob)
    assert peer.expect("message-back") == (blob,)


def test_server_emit_with_ack(peers):
    peer = peers(connect=False, ack_handlers={
        ("/", "server-ack-request"): lambda *args: ({"got": list(args)}, "second"),
    })
    peer.connect()
    peer.emit("request-ack", {"n": 41}, "x")
    assert peer.expect("server-ack-request") == ({"n": 41}, "x")
    assert peer.expect("server-ack-result") == ({"got": [{"n": 41}, "x"]}, "second")


def test_server_emit_with_binary_ack(peers):
    peer = peers(connect=False, ack_handlers={
        ("/", "server-ack-request"): lambda *args: (b"\x01\x02\x03", {"len": len(args)}),
    })
    peer.connect()
    peer.emit("request-ack", b"ask")
    assert peer.expect("server-ack-request") == (b"ask",)
    assert peer.expect("server-ack-result") == (b"\x01\x02\x03", {"len": 1})


# --- rooms --------------------------------------------------------------------

def test_room_broadcast_excludes_sender_and_outsiders(peers):
    sender, member1, member2, outsider = peers(4)
    other_ns = peers(connect=False, namespaces=["/custom"])
    other_ns.connect()
    for p in (sender, member1, member2):
        assert p.call("join", "room-a") == (True,)
    # Same room name in another namespace is another room.
    assert other_ns.call("join", "room-a", ns="/custom") == (True,)

    payload = ("hello", {"n": 1}, b"\x00\xff")
    assert sender.call("broadcast", "room-a", *payload) == (True,)
    assert member1.expect("broadcast") == payload
    assert member2.expect("broadcast") == payload

    for p in (sender, outsider):
        p.barrier()
        p.expect_none("broadcast")
    other_ns.barrier(ns="/custom")
    other_ns.expect_none("broadcast", ns="/custom")


def test_leave_room_stops_broadcasts(peers):
    sender, member = peers(2)
    for p in (sender, member):
        assert p.call("join", "room-b") == (True,)
    assert sender.call("broadcast", "room-b", 1) == (True,)
    assert member.expect("broadcast") == (1,)

    assert member.call("leave", "room-b") == (True,)
    assert sender.call("broadcast", "room-b", 2) == (True,)
    member.barrier()
    member.expect_none("broadcast")


def test_whoami_reports_sid_address_and_rooms(peers):
    peer = peers()
    who = peer.call("whoami")[0]
    assert who["sid"] == peer.sio.get_sid()
    assert "127.0.0.1" in who["remoteAddress"]
    assert "room-c" not in who["rooms"]
    assert peer.call("join", "room-c") == (True,)
    assert "room-c" in peer.call("whoami")[0]["rooms"]
    assert peer.call("leave", "room-c") == (True,)
    assert "room-c" not in peer.call("whoami")[0]["rooms"]


# --- disconnection ------------------------------------------------------------

def test_client_disconnect_then_reconnect(peers):
    peer = peers()
    peer.expect("auth")
    assert peer.call("join", "room-d") == (True,)
    first_sid = peer.call("whoami")[0]["sid"]

    peer.sio.disconnect()
    assert peer.expect("disconnect") in ((), (socketio.Client.reason.CLIENT_DISCONNECT,))
    wait_until(lambda: not peer.sio.connected, what="client to report disconnected")

    peer.connect(auth={"again": True})
    assert peer.expect("auth") == ({"again": True},)
    who = peer.call("whoami")[0]
    assert who["sid"] != first_sid
    assert "room-d" not in who["rooms"], "a new socket must not inherit the old one's rooms"


def test_client_disconnect_leaves_others_working(peers):
    leaving, staying = peers(2)
    for p in (leaving, staying):
        assert p.call("join", "room-e") == (True,)
    leaving.sio.disconnect()
    leaving.expect("disconnect")
    # The server copes with a room member that is gone.
    assert staying.call("broadcast", "room-e", "anyone?") == (True,)
    staying.barrier()


def test_server_disconnect(peers):
    peer = peers()
    peer.expect("auth")
    peer.emit("disconnect-me")
    assert peer.expect("disconnect") in ((), (socketio.Client.reason.SERVER_DISCONNECT,))
    wait_until(lambda: not peer.sio.connected, what="client to report disconnected")
    # Not a ban: a new connection works.
    peer.connect()
    peer.barrier()


def test_server_disconnect_of_one_namespace_keeps_the_other(peers):
    peer = peers(connect=False, namespaces=["/", "/custom"])
    peer.connect()
    peer.emit("disconnect-me", ns="/custom")
    peer.expect("disconnect", ns="/custom")
    assert peer.sio.connected
    peer.barrier(ns="/")
