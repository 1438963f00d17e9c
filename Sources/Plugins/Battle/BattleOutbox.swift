/// The announcements of one step of a battle, held until the step ends and then sent in order:
/// consecutive events to the same room leave as one batch. A turn is `battle:turn`, every other
/// turn `battle:state`, and `battle:turn_open`; sent together, each spectator gets them in one
/// write, where one broadcast per event cost each of them a write (and its system call) per event.
///
/// Events to the lobby go last: they summarise the battle for lists of battles, a stream of its
/// own, and sent in between they would split the battle room's batch in two.
struct BattleOutbox {
    struct Batch {
        var rooms: Set<String>
        var exceptConnections: Set<String>
        var events: [(name: String, json: [UInt8])]
    }

    private var batches: [Batch] = []
    private var last: [Batch] = []

    var isEmpty: Bool { batches.isEmpty && last.isEmpty }

    /// Adds an event; it joins the last batch when that one goes to the same recipients.
    /// `sentLast` events go after every other, in their own order.
    mutating func add(name: String, json: [UInt8], to rooms: Set<String>, exceptConnections: Set<String> = [], sentLast: Bool = false) {
        if sentLast {
            Self.add((name: name, json: json), to: rooms, exceptConnections, in: &last)
        } else {
            Self.add((name: name, json: json), to: rooms, exceptConnections, in: &batches)
        }
    }

    private static func add(
        _ event: (name: String, json: [UInt8]), to rooms: Set<String>, _ exceptConnections: Set<String>, in batches: inout [Batch]
    ) {
        if let last = batches.indices.last, batches[last].rooms == rooms, batches[last].exceptConnections == exceptConnections {
            batches[last].events.append(event)
        } else {
            batches.append(Batch(rooms: rooms, exceptConnections: exceptConnections, events: [event]))
        }
    }

    /// A point to discard back to: what was added after it belongs to a step that failed.
    struct Mark {
        fileprivate var batches: [Batch]
        fileprivate var last: [Batch]
    }

    var mark: Mark { Mark(batches: batches, last: last) }

    /// Forgets what was added since `mark` (nothing was sent meanwhile: sending takes the outbox).
    mutating func discard(from mark: Mark) {
        batches = mark.batches
        last = mark.last
    }

    /// The batches in order, then those sent last, emptying the outbox.
    mutating func take() -> [Batch] {
        defer {
            batches.removeAll()
            last.removeAll()
        }
        return batches + last
    }
}
