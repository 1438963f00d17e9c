import NIOCore

/// Rooms kept in memory, sharded per event loop: each shard holds the sockets that live on its
/// loop and is only touched there, so joins and deliveries take no lock. A broadcast is one task
/// per loop, which writes the shared frames to its sockets; flushes are batched per loop.
public final class InMemoryAdapter: SocketIOAdapter {
    private let shards: [ObjectIdentifier: Shard]
    private let shardList: [Shard]

    public init(eventLoopGroup: any EventLoopGroup) {
        var shards: [ObjectIdentifier: Shard] = [:]
        var list: [Shard] = []
        for loop in eventLoopGroup.makeIterator() {
            let shard = Shard(eventLoop: loop)
            shards[ObjectIdentifier(loop)] = shard
            list.append(shard)
        }
        self.shards = shards
        self.shardList = list
    }

    private func shard(for socket: Socket) -> Shard {
        shards[ObjectIdentifier(socket.eventLoop)] ?? shardList[0]
    }

    private func onShard(of socket: Socket, _ body: @escaping @Sendable (Shard) -> Void) {
        let shard = shard(for: socket)
        if shard.eventLoop.inEventLoop {
            body(shard)
        } else {
            shard.eventLoop.execute { body(shard) }
        }
    }

    public func addSocket(_ socket: Socket) {
        onShard(of: socket) { $0.all[ObjectIdentifier(socket)] = socket }
    }

    public func removeSocket(_ socket: Socket) {
        let rooms = socket.joinedRoomsOnLoop
        onShard(of: socket) { shard in
            let key = ObjectIdentifier(socket)
            shard.all.removeValue(forKey: key)
            for room in rooms { shard.remove(key, from: room) }
        }
    }

    public func join(_ socket: Socket, room: String) {
        onShard(of: socket) { $0.rooms[room, default: [:]][ObjectIdentifier(socket)] = socket }
    }

    public func leave(_ socket: Socket, room: String) {
        onShard(of: socket) { $0.remove(ObjectIdentifier(socket), from: room) }
    }

    public func broadcast(_ frames: [OutboundFrame], to target: BroadcastTarget) {
        for shard in shardList {
            if shard.eventLoop.inEventLoop {
                shard.deliver(frames, to: target)
            } else {
                shard.eventLoop.execute { shard.deliver(frames, to: target) }
            }
        }
    }

    /// One task per loop for the whole batch: each socket gets every packet before the loop's
    /// flush, so the packets leave in one write per socket.
    public func broadcast(batch packets: [[OutboundFrame]], to target: BroadcastTarget) {
        guard packets.count > 1 else {
            if let frames = packets.first { broadcast(frames, to: target) }
            return
        }
        for shard in shardList {
            if shard.eventLoop.inEventLoop {
                shard.deliver(batch: packets, to: target)
            } else {
                shard.eventLoop.execute { shard.deliver(batch: packets, to: target) }
            }
        }
    }

    public func localCount(in room: String) async -> Int {
        var total = 0
        for shard in shardList {
            total += (try? await shard.eventLoop.submit { shard.rooms[room]?.count ?? 0 }.get()) ?? 0
        }
        return total
    }

    /// This process's sockets in any of `rooms` (every socket when empty) and in none of
    /// `except` (room names or socket ids): what a cluster's requests (fetch, join, leave,
    /// disconnect) act on.
    public func sockets(inAnyOf rooms: Set<String>, except: Set<String>) async -> [Socket] {
        var found: [Socket] = []
        for shard in shardList {
            let matched = try? await shard.eventLoop.submit { shard.sockets(inAnyOf: rooms, except: except) }.get()
            found += matched ?? []
        }
        return found
    }

    /// The rooms with at least one socket of this process.
    public func allRooms() async -> Set<String> {
        var rooms: Set<String> = []
        for shard in shardList {
            rooms.formUnion((try? await shard.eventLoop.submit { Set(shard.rooms.keys) }.get()) ?? [])
        }
        return rooms
    }

    final class Shard: @unchecked Sendable {
        let eventLoop: any EventLoop
        var all: [ObjectIdentifier: Socket] = [:]
        var rooms: [String: [ObjectIdentifier: Socket]] = [:]

        init(eventLoop: any EventLoop) {
            self.eventLoop = eventLoop
        }

        func sockets(inAnyOf wanted: Set<String>, except: Set<String>) -> [Socket] {
            var excluded = Set<ObjectIdentifier>()
            for room in except {
                if let members = rooms[room] { excluded.formUnion(members.keys) }
            }
            var chosen: [ObjectIdentifier: Socket] = [:]
            if wanted.isEmpty {
                chosen = all
            } else {
                for room in wanted {
                    for (key, socket) in rooms[room] ?? [:] { chosen[key] = socket }
                }
            }
            return chosen.filter { !excluded.contains($0.key) && !except.contains($0.value.id) }.map(\.value)
        }

        func remove(_ key: ObjectIdentifier, from room: String) {
            guard var members = rooms[room] else { return }
            members.removeValue(forKey: key)
            rooms[room] = members.isEmpty ? nil : members
        }

        func deliver(_ frames: [OutboundFrame], to target: BroadcastTarget) {
            forEachRecipient(of: target) { $0.deliverBroadcast(frames) }
        }

        /// Each packet is delivered on its own (a socket catching up holds and filters packets
        /// one by one), but all of them to one socket before the next socket.
        func deliver(batch packets: [[OutboundFrame]], to target: BroadcastTarget) {
            forEachRecipient(of: target) { socket in
                for frames in packets { socket.deliverBroadcast(frames) }
            }
        }

        private func forEachRecipient(of target: BroadcastTarget, _ body: (Socket) -> Void) {
            var excluded = Set<ObjectIdentifier>()
            for room in target.exceptRooms {
                if let members = rooms[room] { excluded.formUnion(members.keys) }
            }
            let skip = { (key: ObjectIdentifier, socket: Socket) -> Bool in
                excluded.contains(key) || (!target.exceptSocketIds.isEmpty && target.exceptSocketIds.contains(socket.id))
            }
            if target.rooms.isEmpty {
                for (key, socket) in all where !skip(key, socket) { body(socket) }
            } else if target.rooms.count == 1, let members = rooms[target.rooms.first!] {
                for (key, socket) in members where !skip(key, socket) { body(socket) }
            } else {
                var sent = excluded
                for room in target.rooms {
                    guard let members = rooms[room] else { continue }
                    for (key, socket) in members where !skip(key, socket) && sent.insert(key).inserted {
                        body(socket)
                    }
                }
            }
        }
    }
}
