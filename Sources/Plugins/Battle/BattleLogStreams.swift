import Runtime
import SocketIOProtocol
import SocketIOServer

/// A battle's logged events as an ordered stream: with several instances, each delivers them to
/// its clients in `seq` order and once, whichever instance logged them and however late their
/// broadcast arrives, reading a gap back from the log (``OrderedStreams``). A logged event is
/// the one broadcast to exactly the battle's room whose payload carries the battle's id and its
/// `seq`.
struct BattleLogStreams: OrderedStreams {
    let store: BattleStore
    let database: any SQLDatabase
    /// The connections here whose join already caught them up to a `seq` (they get no fill of it).
    let caughtUp: @Sendable (_ battleId: String, _ seq: Int) -> [String]

    func place(of event: String, _ arguments: [JSONValue], rooms: [String]) -> (stream: String, seq: Int)? {
        guard rooms.count == 1, let payload = arguments.first, case .object = payload,
            let battleId = payload["battleId"]?.stringValue, rooms[0] == BattleRoom.battle(battleId),
            let seq = payload["seq"]?.intValue
        else { return nil }
        return (battleId, Int(seq))
    }

    func missing(in stream: String, after: Int, before: Int) async -> [OrderedBroadcast] {
        guard let entries = try? log(stream, after: after) else { return [] }
        return entries.compactMap { entry -> OrderedBroadcast? in
            guard let payload = try? JSONParser.parse(entry.payload), let seq = payload["seq"]?.intValue.map(Int.init), seq < before
            else { return nil }
            return OrderedBroadcast(
                seq: seq, event: entry.event, arguments: [payload], rooms: [BattleRoom.battle(stream)], exceptSocketIds: caughtUp(stream, seq))
        }
    }

    /// Synchronous on purpose, as the joins' reads (see ``BattleService``).
    private func log(_ battleId: String, after seq: Int) throws -> [BattleLogEntry] {
        try database.read { db in try store.log(battleId: battleId, after: seq, in: db) }
    }
}
