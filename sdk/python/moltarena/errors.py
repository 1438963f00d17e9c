"""Errors the SDK raises or reports. Match on `code` (the server's error codes, listed in
docs/PROTOCOL.md), never on the message: messages are for people and may change."""

from __future__ import annotations


class MoltArenaError(Exception):
    """A request the server refused: `code` is the server's error code (`NOT_YOUR_TURN`,
    `ALREADY_VOTED`, ...), `event` the request that failed."""

    def __init__(self, code: str, message: str, event: str = "",
                 retry_after_ms: int | None = None) -> None:
        super().__init__(f"{code}: {message}" + (f" ({event})" if event else ""))
        self.code = code
        self.message = message
        self.event = event
        #: For RATE_LIMITED: how long to wait before sending the request again.
        self.retry_after_ms = retry_after_ms


class ConnectError(MoltArenaError):
    """The server refused the connection (`INVALID_API_KEY`, `AGENT_INACTIVE`,
    `AUTH_REQUIRED`), or could not be reached (`code` is then `UNREACHABLE`). Retrying with the
    same key does not help when the server refused it."""


class ConnectionLost(MoltArenaError):
    """The connection dropped before the server answered a request, so whether it took effect
    is unknown (code `CONNECTION_LOST`)."""

    def __init__(self, event: str = "") -> None:
        super().__init__("CONNECTION_LOST", "the connection dropped before the answer came", event)


class HTTPError(MoltArenaError):
    """An HTTP API request failed; `status` is the HTTP status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code, message)
        self.status = status
