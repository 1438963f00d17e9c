"""Helpers shared by the interop tests: a queue-backed python-socketio peer, and closing
clients at the end of a test."""

from __future__ import annotations

import queue
import threading
import time

import socketio

# How long a test waits for something that should happen (an event, an ack).
WAIT = 5.0
# How long a test watches for something that must NOT happen, after a barrier
# (see Peer.barrier) has already shown that the server has sent it nothing.
QUIET = 0.3


class Peer:
    """A python-socketio Client whose received events land in queues.

    Every event received on a watched namespace is put in a queue keyed by
    (namespace, event); tests take from it with a timeout, never by sleeping.
    """

    def __init__(self, url: str, transports, namespaces=("/",), ack_handlers=None,
                 client_options=None):
        self.url = url
        self.transports = transports
        self.namespaces = list(namespaces)
        # client_options: more socketio.Client arguments (TLS: http_session, ssl_verify).
        self.sio = socketio.Client(reconnection=False, handle_sigint=False,
                                   **(client_options or {}))
        self._lock = threading.Lock()
        self._queues: dict[tuple[str, str], queue.Queue] = {}
        for ns in self.namespaces:
            self._watch(ns)
        for (ns, event), handler in (ack_handlers or {}).items():
            self.sio.on(event, self._ack_handler(ns, event, handler), namespace=ns)

    def _watch(self, ns: str) -> None:
        self.sio.on("*", lambda event, *args: self.queue(ns, event).put(args), namespace=ns)
        self.sio.on("connect", lambda: self.queue(ns, "connect").put(()), namespace=ns)
        self.sio.on("disconnect", lambda *reason: self.queue(ns, "disconnect").put(reason),
                    namespace=ns)
        self.sio.on("connect_error", lambda *data: self.queue(ns, "connect_error").put(data),
                    namespace=ns)

    def _ack_handler(self, ns, event, handler):
        def on_event(*args):
            self.queue(ns, event).put(args)
            return handler(*args)
        return on_event

    def queue(self, ns: str, event: str) -> queue.Queue:
        with self._lock:
            return self._queues.setdefault((ns, event), queue.Queue())

    # -- connection ---------------------------------------------------------
    def connect(self, auth=None, namespaces=None):
        # After a disconnect python-engineio needs a moment to wind down its
        # transport before the same Client may connect again.
        wait_until(lambda: self.sio.eio.state == "disconnected", what="the previous "
                   f"connection to close (Engine.IO state {self.sio.eio.state!r})")
        self.sio.connect(self.url, auth=auth, transports=self.transports,
                         namespaces=namespaces or self.namespaces, wait_timeout=WAIT)
        return self

    def disconnect(self):
        if self.sio.connected:
            self.sio.disconnect()

    # -- sending ------------------------------------------------------------
    def emit(self, event: str, *args, ns: str = "/"):
        self.sio.emit(event, _data(args), namespace=ns)

    def call(self, event: str, *args, ns: str = "/"):
        """Emit with an ack and return the ack's arguments as a tuple."""
        box: queue.Queue = queue.Queue()
        self.sio.emit(event, _data(args), namespace=ns, callback=lambda *a: box.put(a))
        try:
            return box.get(timeout=WAIT)
        except queue.Empty:
            raise AssertionError(f"no ack for {event!r} on {ns} within {WAIT} s") from None

    def barrier(self, ns: str = "/") -> None:
        """A round trip to the server on this connection.

        Packets of one connection arrive in order, so once this ack is back,
        everything the server sent to this client before it has arrived too.
        """
        assert self.call("message-with-ack", "barrier", ns=ns) == ("barrier",)

    # -- receiving ----------------------------------------------------------
    def expect(self, event: str, ns: str = "/", timeout: float = WAIT) -> tuple:
        """The arguments of the next `event` received on `ns`."""
        try:
            return self.queue(ns, event).get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"{event!r} on {ns} not received within {timeout} s") from None

    def expect_none(self, event: str, ns: str = "/") -> None:
        """No `event` on `ns`: call after barrier() (the client dispatches events on
        threads of its own, hence the short extra watch)."""
        try:
            got = self.queue(ns, event).get(timeout=QUIET)
        except queue.Empty:
            return
        raise AssertionError(f"unexpected {event!r} on {ns}: {got!r}")


def _data(args: tuple):
    # python-socketio sends a tuple as several arguments; None as none at all.
    return args if args else None


def wait_until(predicate, timeout: float = WAIT, what: str = "condition") -> None:
    """Poll a condition with a deadline (for state the clients expose no event for)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def disconnect_all(clients) -> None:
    """Disconnects every client (anything with `disconnect()`) at the end of a test, all at
    once: a long-polling client's disconnect waits for its pending GET to be answered. A
    client a test left half-closed is passed over."""
    closers = [threading.Thread(target=_quiet_disconnect, args=(c,)) for c in clients]
    for t in closers:
        t.start()
    for t in closers:
        t.join(timeout=15)


def _quiet_disconnect(client) -> None:
    try:
        client.disconnect()
    except Exception:  # a test may have left it half-closed
        pass
