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
            var excluded = Set<ObjectIdentifier>()
            for room in target.exceptRooms {
                if let members = rooms[room] { excluded.formUnion(members.keys) }
            }
            let skip = { (key: ObjectIdentifier, socket: Socket) -> Bool in
                excluded.contains(key) || (!target.exceptSocketIds.isEmpty && target.exceptSocketIds.contains(socket.id))
            }
            if target.rooms.isEmpty {
                for (key, socket) in all where !skip(key, socket) { socket.deliverBroadcast(frames) }
            } else if target.rooms.count == 1, let members = rooms[target.rooms.first!] {
                for (key, socket) in members where !skip(key, socket) { socket.deliverBroadcast(frames) }
            } else {
                var sent = excluded
                for room in target.rooms {
                    guard let members = rooms[room] else { continue }
                    for (key, socket) in members where !skip(key, socket) && sent.insert(key).inserted {
                        socket.deliverBroadcast(frames)
                    }
                }
            }
        }
    }
}
