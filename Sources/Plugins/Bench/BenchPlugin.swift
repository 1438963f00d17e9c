import Runtime
import SocketIOProtocol

/// The benchmark scenario the peer servers (Node socket.io, python-socketio) implement too, so
/// `moltarena bench` compares like with like. It is also the smallest example of a third-party
/// plugin: two typed events, no options, no database, no state of its own.
///
/// - `battle:join {"battleId"}` joins room `battle:<battleId>` and acks `{"ok":true,"battleId"}`.
/// - `battle:turn {"battleId",...}` sends the same JSON object, encoded once, to everyone in room
///   `battle:<battleId>` (the sender is not in it) and acks `{"ok":true,"battleId"}`.
///
/// It handles `battle:join` as the Battle plugin does, so the two cannot run together (start-up
/// names both): run it alone, or with `[connection]` (bench/plugins.bench.conf).
///
/// ```toml
/// [bench]
/// ```
public struct BenchPlugin: Plugin {
    public static let name = "bench"

    public init(options: NoOptions, mode: PluginMode) {}

    public func register(with registrar: inout Registrar) {
        let rooms = registrar.services.rooms
        // Neither handler blocks: both run on the connection's event loop, like the peers' handlers.
        registrar.on(BenchJoin.self, runsOn: .eventLoop) { join, context in
            context.connection.join(BenchJoin.room(join.battleId))
            return BenchOK(battleId: join.battleId)
        }
        registrar.on(BenchTurn.self, runsOn: .eventLoop) { turn, _ in
            var json: [UInt8] = []
            json.reserveCapacity(256)
            JSONWriter.write(turn.payload, into: &json)
            rooms.emit(storedEvent: BenchTurn.name, json: json, to: [BenchJoin.room(turn.battleId)])
            return BenchOK(battleId: turn.battleId)
        }
    }
}
