import SocketIOProtocol

/// Why a ``SocketIOClient`` operation failed.
///
/// Equatable so that tests can state the exact failure they expect, e.g. the message and data
/// of a refused CONNECT.
public enum SocketIOClientError: Error, Sendable, Hashable {
    /// The configured URL is not `http://host:port` or `ws://host:port`.
    case invalidURL(String)
    /// The server refused the namespace with CONNECT_ERROR; `message` and `data` are the ones
    /// the server's middleware passed (`new Error(message)` with `err.data` in Node).
    case connectError(message: String, data: JSONValue?)
    /// ``SocketIOClientConfiguration/connectTimeout`` passed before the CONNECT reply arrived.
    case connectTimeout
    /// The server answered the WebSocket upgrade request with something other than 101;
    /// `body` is the start of its response body (Engine.IO servers explain the refusal there).
    case upgradeRejected(status: Int, body: String)
    /// The TCP connection or the upgrade failed; the text is the underlying error.
    case transportFailed(String)
    /// The connection is gone (or went while waiting), for the reason given.
    case disconnected(SocketIODisconnectReason)
    /// An acknowledgement or an awaited event did not arrive in time.
    case timeout
}

/// Why a connected client stopped being connected.
///
/// Tests of the server need to tell these apart: "the server disconnected me" (`serverDisconnect`)
/// is a different outcome from "the server dropped the transport" (`engineClose`,
/// `webSocketClose`, `transportClosed`) or "the heartbeat expired" (`pingTimeout`).
public enum SocketIODisconnectReason: Sendable, Hashable {
    /// ``SocketIOClient/disconnect()`` was called.
    case clientDisconnect
    /// The server sent a Socket.IO DISCONNECT for our namespace (`socket.disconnect()`).
    case serverDisconnect
    /// The server refused the CONNECT; the connection was closed afterwards.
    case connectError(message: String, data: JSONValue?)
    /// The server sent an Engine.IO close packet (`1`).
    case engineClose
    /// The server sent a WebSocket close frame first, with its status code if it had one.
    case webSocketClose(code: UInt16?)
    /// The TCP connection ended without a close frame or close packet.
    case transportClosed
    /// The TCP connection failed with an error.
    case transportError(String)
    /// No Engine.IO ping arrived within pingInterval + pingTimeout: the server is presumed dead.
    case pingTimeout
    /// The server sent something that is not valid Engine.IO / Socket.IO; the client closed the
    /// connection (WebSocket close 1002) rather than guess.
    case protocolError(String)
}
