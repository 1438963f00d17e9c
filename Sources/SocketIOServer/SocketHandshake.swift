import HTTPTypes
import NIOCore
import SocketIOProtocol

/// What a client presented when it connected to a namespace: the Engine.IO handshake (headers,
/// query, address) and the CONNECT packet's auth payload. Connect middleware decides on it.
public struct SocketHandshake: Sendable {
    public let engine: EngineIOHandshake
    /// The CONNECT payload (`{}` when the client sent none).
    public let auth: JSONValue
    public let namespace: String

    public var headers: HTTPFields { engine.headers }
    public var remoteAddress: SocketAddress? { engine.remoteAddress }
}

/// A connect middleware's verdict.
public enum ConnectDecision: Sendable {
    /// Let the socket in; `data` becomes ``Socket/data`` (who the socket is).
    case accept(data: (any Sendable)? = nil)
    /// Refuse with CONNECT_ERROR `{"message", "data"}`; the JS client reads `err.message` and `err.data`.
    case reject(message: String, data: JSONValue? = nil)
}

/// Decides whether a CONNECT to a namespace is accepted. Runs on the session's event loop; may
/// suspend, but must not block the thread (hand a synchronous database lookup to another task).
public typealias ConnectMiddleware = @Sendable (SocketHandshake) async -> ConnectDecision

/// Handles one client event. Runs on the socket's event loop: return quickly, and hand slow work
/// to a task of your own. `ack` is set when the client asked for an acknowledgement.
public typealias EventHandler = @Sendable (Socket, [JSONValue], Ack?) -> Void

/// Replies to a client's emit-with-ack.
public struct Ack: Sendable {
    let socket: Socket
    public let id: UInt64

    /// Sends the acknowledgement with these arguments.
    public func send(_ args: [JSONValue]) {
        socket.sendPacket(.ack(id, args, namespace: socket.namespace.name))
    }

    /// Sends the acknowledgement with arguments already encoded as JSON text, without the
    /// enclosing brackets.
    public func send(argumentsJSON: [UInt8]) {
        var text: [UInt8] = [UInt8(ascii: "3")]
        if socket.namespace.name != "/" {
            text.append(contentsOf: socket.namespace.name.utf8)
            text.append(UInt8(ascii: ","))
        }
        text.append(contentsOf: String(id).utf8)
        text.append(UInt8(ascii: "["))
        text.append(contentsOf: argumentsJSON)
        text.append(UInt8(ascii: "]"))
        socket.deliver([OutboundFrame(.message, text: text)])
    }
}

/// Why an emit-with-ack got no answer.
public enum AckError: Error, Sendable {
    case timeout
    case disconnected
}
