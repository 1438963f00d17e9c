import Logging
import NIOConcurrencyHelpers
import NIOCore
import SocketIOProtocol
import SocketIOServer

/// Rooms across instances over Redis pub/sub, wire-compatible with the official Node adapter in
/// classic mode: each instance delivers its own broadcasts locally at once, and publishes them
/// once (never once per socket) for the other instances, which deliver them to their sockets.
/// Membership stays local (``InMemoryAdapter``); Redis only carries what crosses instances.
public final class RedisAdapter: SocketIOAdapter, OrderedStreamHost {
    /// This instance's id in the cluster (`uid` of its messages).
    public let uid: String
    public let namespace: String
    let local: InMemoryAdapter
    let link: RedisLink
    let logger: Logger
    /// Puts ordered streams in order here (``order(_:)``); nil: broadcasts go out as they come.
    private let sequencer = NIOLockedValueBox<StreamSequencer?>(nil)

    public init(namespace: String, uid: String, link: RedisLink, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.namespace = namespace
        self.uid = uid
        self.link = link
        self.logger = logger
        self.local = InMemoryAdapter(eventLoopGroup: eventLoopGroup)
        link.register(self)
    }

    public func addSocket(_ socket: Socket) { local.addSocket(socket) }
    public func removeSocket(_ socket: Socket) { local.removeSocket(socket) }
    public func join(_ socket: Socket, room: String) { local.join(socket, room: room) }
    public func leave(_ socket: Socket, room: String) { local.leave(socket, room: room) }
    public func localCount(in room: String) async -> Int { await local.localCount(in: room) }

    public func broadcast(_ frames: [OutboundFrame], to target: BroadcastTarget) {
        guard let sequencer = sequencer.withLockedValue({ $0 }), !target.localOnly else {
            // Nothing to put in order: this server's sockets first, then the others.
            local.broadcast(frames, to: target)
            guard !target.localOnly, let message = Self.message(from: frames, target: target, uid: uid, namespace: namespace) else { return }
            link.publish(message.encode(), on: message.channel)
            return
        }
        guard let message = Self.message(from: frames, target: target, uid: uid, namespace: namespace) else {
            local.broadcast(frames, to: target)
            return
        }
        deliver(message, frames: frames, target: target, sequencer: sequencer)
        link.publish(message.encode(), on: message.channel)
    }

    /// Delivers ordered streams in order from now on: this server's own broadcasts and the
    /// others' (see ``OrderedStreams``).
    public func order(_ streams: any OrderedStreams) {
        let local = self.local
        let namespace = self.namespace
        sequencer.withLockedValue {
            $0 = StreamSequencer(streams: streams) { missing in
                let packet = SocketIOPacket.event(missing.event, missing.arguments, namespace: namespace)
                local.broadcast(
                    OutboundFrame.frames(for: packet), to: BroadcastTarget(rooms: Set(missing.rooms), exceptSocketIds: Set(missing.exceptSocketIds)))
            }
        }
    }

    /// To this server's sockets: through the sequencer when the broadcast belongs to a stream.
    private func deliver(_ message: NodeAdapterWire.Broadcast, frames: [OutboundFrame], target: BroadcastTarget, sequencer: StreamSequencer?) {
        let local = self.local
        guard let sequencer, let place = sequencer.streams.place(of: message.event, message.arguments, rooms: message.rooms) else {
            local.broadcast(frames, to: target)
            return
        }
        sequencer.offer(stream: place.stream, seq: place.seq) { local.broadcast(frames, to: target) }
    }

    /// The broadcast as the cluster carries it, read back from the frames encoded for the local
    /// sockets (one parse per broadcast). Socket ids count as rooms, as they do in Node.
    static func message(from frames: [OutboundFrame], target: BroadcastTarget, uid: String, namespace: String) -> NodeAdapterWire.Broadcast? {
        guard let (event, arguments) = OutboundFrame.event(in: frames) else { return nil }
        return NodeAdapterWire.Broadcast(
            uid: uid, event: event, arguments: arguments, namespace: namespace,
            rooms: target.rooms.sorted(), except: (target.exceptRooms.union(target.exceptSocketIds)).sorted()
        )
    }

    /// A broadcast from another server of the cluster (or the emitter).
    func received(_ message: NodeAdapterWire.Broadcast) {
        guard message.uid != uid, message.namespace == namespace else { return }
        let packet = SocketIOPacket.event(message.event, message.arguments, namespace: namespace)
        let except = Set(message.except)
        deliver(
            message, frames: OutboundFrame.frames(for: packet),
            target: BroadcastTarget(rooms: Set(message.rooms), exceptRooms: except, exceptSocketIds: except),
            sequencer: sequencer.withLockedValue { $0 })
    }
}
