import NIOCore

/// Who a broadcast goes to: the sockets in any of `rooms` (every socket of the namespace when
/// empty), minus those in `exceptRooms` and those listed in `exceptSocketIds`. A socket in
/// several target rooms receives the message once.
public struct BroadcastTarget: Sendable {
    public var rooms: Set<String>
    public var exceptRooms: Set<String>
    public var exceptSocketIds: Set<String>
    /// This server's sockets only, never relayed to the other servers of a cluster (Node's
    /// `io.local`): what one instance tells its own clients, such as its shutdown.
    public var localOnly: Bool

    public init(rooms: Set<String> = [], exceptRooms: Set<String> = [], exceptSocketIds: Set<String> = [], localOnly: Bool = false) {
        self.rooms = rooms
        self.exceptRooms = exceptRooms
        self.exceptSocketIds = exceptSocketIds
        self.localOnly = localOnly
    }
}

/// Room membership and delivery for one namespace.
///
/// The in-memory implementation serves one process; a Redis-backed one can replace it to span
/// instances, publishing the already encoded frames. Membership calls are made on the socket's
/// event loop; `broadcast` may be called from anywhere.
public protocol SocketIOAdapter: Sendable {
    func addSocket(_ socket: Socket)
    /// Removes the socket from the namespace and every room.
    func removeSocket(_ socket: Socket)
    func join(_ socket: Socket, room: String)
    func leave(_ socket: Socket, room: String)
    /// Delivers the frames (encoded once by the caller) to every targeted socket.
    func broadcast(_ frames: [OutboundFrame], to target: BroadcastTarget)
    /// Delivers several packets (each the frames of one packet), in order, to the same target.
    /// An adapter that can should hand them to each socket together, so a recipient gets them
    /// in one write: the events of one step of a battle reach 10,000 spectators in 10,000
    /// writes instead of one round of writes per event.
    func broadcast(batch packets: [[OutboundFrame]], to target: BroadcastTarget)
    /// Number of local sockets in a room (0 for an unknown room), for presence counts and tests.
    func localCount(in room: String) async -> Int
}

extension SocketIOAdapter {
    /// One broadcast per packet, in order: correct for any adapter, batched by none.
    public func broadcast(batch packets: [[OutboundFrame]], to target: BroadcastTarget) {
        for frames in packets { broadcast(frames, to: target) }
    }
}
