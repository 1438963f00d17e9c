import Foundation
import HTTPTypes
import NIOCore
import SocketIOProtocol
import SocketIOServer
import Synchronization

/// One client connection as plugins see it: who it is, where it is, and how to reach it.
public struct Connection: Sendable {
    let socket: Socket
    let state: ConnectionState

    init(socket: Socket) {
        self.socket = socket
        self.state = (socket.data as? ConnectionState) ?? ConnectionState(identity: .anonymousSpectator, remoteIP: "", clientAddress: "")
    }

    /// The Socket.IO socket id.
    public var id: String { socket.id }
    public var identity: Identity { state.identity }
    /// The client's IP address, as the socket sees it.
    public var remoteIP: String { state.remoteIP }
    /// The client's address: the first address of the trusted proxy header when the operator
    /// names one (`[connection] trusted_proxy_header`) and the handshake has it, else ``remoteIP``.
    public var clientAddress: String { state.clientAddress }

    /// The client's identity for limits: `agent:<id>` for an agent, else `ip:<clientAddress>`,
    /// else `socket:<id>`.
    public var identityKey: String {
        if let agentId = identity.agentId { return "agent:\(agentId)" }
        return state.clientAddress.isEmpty ? "socket:\(id)" : "ip:\(state.clientAddress)"
    }
    /// The event loop the connection's socket lives on (where ``HandlerPlacement/eventLoop``
    /// handlers run).
    public var eventLoop: any EventLoop { socket.eventLoop }

    /// The headers of the HTTP request that opened the connection (for a trusted proxy's
    /// forwarded-for header, say).
    public var handshakeHeaders: HTTPFields { socket.handshake.headers }

    /// Sends an event to this connection only.
    public func emit<E: ServerEvent>(_ event: E) {
        guard let bytes = try? ArenaJSON.encode(event) else { return }
        socket.emit(E.name, argumentsJSON: bytes)
    }

    /// Sends an event stored as JSON (a battle log entry being replayed), under its stored name.
    public func emit(storedEvent name: String, json: [UInt8]) {
        socket.emit(name, argumentsJSON: json)
    }

    public func join(_ room: String) { socket.join(room) }

    /// Holds the broadcasts that reach this connection until ``releaseBroadcasts(after:skipping:)``:
    /// a client catching up on a log joins its room holding, reads what it missed, then sends it
    /// and what arrived meanwhile, with no gap between the two.
    public func holdBroadcasts() { socket.holdBroadcasts() }

    /// Sends `missed` (stored events), then the held broadcasts except those `skip` refuses
    /// (given each one's event name and first argument), and stops holding.
    public func releaseBroadcasts(
        after missed: [(event: String, json: [UInt8])], skipping skip: @escaping @Sendable (_ event: String, _ payload: JSONValue) -> Bool
    ) {
        socket.releaseBroadcasts(after: missed.map { ($0.event, $0.json) }) { frames in
            guard let (name, arguments) = OutboundFrame.event(in: frames), let first = arguments.first else { return false }
            return skip(name, first)
        }
    }
    public func leave(_ room: String) { socket.leave(room) }

    /// The rooms this connection is in.
    public func rooms() async -> Set<String> {
        (try? await socket.eventLoop.submit { self.socket.joinedRooms }.get()) ?? []
    }

    /// Ends the connection from the server side.
    public func disconnect() { socket.disconnect() }

    /// Refuses, from now on, every event of this connection with `error`, those already waiting
    /// included (its agent was deactivated, say). Then ``disconnect()`` ends it.
    public func revoke(_ error: ArenaError) {
        state.guarded.withLock { $0.revocation = error }
    }

    /// Why the connection's events are refused, once ``revoke(_:)`` was called.
    public var revocation: ArenaError? { state.guarded.withLock { $0.revocation } }
}

/// What the runtime keeps per socket: identity, address, and the queue that runs its events one
/// at a time, in arrival order (the state is that queue, so the two are one object; its own
/// mutable state is behind `guarded`'s lock).
final class ConnectionState: SerialTaskQueue, @unchecked Sendable {
    let identity: Identity
    let remoteIP: String
    let clientAddress: String
    /// What changes while the connection lives, under one lock kept inside this object: a box
    /// per field cost an allocation and a lock each, per connection.
    let guarded = Mutex(Guarded())
    /// The queue that runs the connection's events one at a time.
    var queue: SerialTaskQueue { self }
    /// Events one connection may have waiting (or running) at once; past it, QUEUE_FULL.
    static let queueLimit = 64

    struct Guarded: Sendable {
        /// The connection's own event budgets and refusals (see ``EventLimits``).
        var limits = ConnectionLimits()
        /// Why its events are refused, once revoked.
        var revocation: ArenaError?
    }

    init(identity: Identity, remoteIP: String, clientAddress: String) {
        self.identity = identity
        self.remoteIP = remoteIP
        self.clientAddress = clientAddress
        super.init(limit: Self.queueLimit)
    }
}
