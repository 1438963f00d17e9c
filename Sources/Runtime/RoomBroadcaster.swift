import SocketIOServer

/// Sends typed events to rooms, encoding each event once for all recipients.
public struct RoomBroadcaster: Sendable {
    let namespace: Namespace

    /// Emits to everyone in any of `rooms`, except those in `exceptRooms` and the listed connections.
    public func emit<E: ServerEvent>(_ event: E, to rooms: Set<String>, exceptRooms: Set<String> = [], exceptConnections: Set<String> = []) {
        guard let bytes = try? ArenaJSON.encode(event) else { return }
        var target = namespace.to(rooms).except(exceptRooms)
        if !exceptConnections.isEmpty { target = target.exceptSockets(exceptConnections) }
        target.emit(E.name, argumentsJSON: bytes)
    }

    /// Emits an event already encoded as JSON (a logged event, encoded once when it was stored).
    public func emit(storedEvent name: String, json: [UInt8], to rooms: Set<String>, exceptConnections: Set<String> = []) {
        var target = namespace.to(rooms)
        if !exceptConnections.isEmpty { target = target.exceptSockets(exceptConnections) }
        target.emit(name, argumentsJSON: json)
    }

    /// Emits events already encoded as JSON, in order, as one batch: each recipient gets them
    /// together, in one write (the announcements of one step of a battle).
    public func emit(storedEvents events: [(name: String, json: [UInt8])], to rooms: Set<String>, exceptConnections: Set<String> = []) {
        guard events.count > 1 else {
            if let event = events.first { emit(storedEvent: event.name, json: event.json, to: rooms, exceptConnections: exceptConnections) }
            return
        }
        var target = namespace.to(rooms)
        if !exceptConnections.isEmpty { target = target.exceptSockets(exceptConnections) }
        target.emit(events: events.map { (event: $0.name, argumentsJSON: $0.json) })
    }

    /// Emits to every connection of this instance (never relayed to the rest of a cluster).
    public func emitToLocalConnections<E: ServerEvent>(_ event: E) {
        guard let bytes = try? ArenaJSON.encode(event) else { return }
        namespace.to([]).local.emit(E.name, argumentsJSON: bytes)
    }

    /// Number of connections in a room on this instance.
    public func count(in room: String) async -> Int {
        await namespace.adapter.localCount(in: room)
    }
}
