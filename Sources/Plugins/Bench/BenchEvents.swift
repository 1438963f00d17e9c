import Runtime
import SocketIOProtocol

/// `battle:join {"battleId"}`: joins the battle's room, with no database behind it.
public struct BenchJoin: ClientEvent {
    public typealias Reply = BenchOK
    public static let name = "battle:join"
    public var battleId: String

    /// The room a battle's broadcasts go to, as the Battle plugin names it.
    static func room(_ battleId: String) -> String { "battle:" + battleId }

    public func validate() throws(ArenaError) {
        guard !battleId.isEmpty, battleId.utf8.count <= 64 else {
            throw .invalidPayload("battleId must be 1 to 64 characters")
        }
    }
}

/// `battle:turn {"battleId",...}`: any JSON object naming a battle, relayed as it came.
public struct BenchTurn: ClientEvent, DeclaresPayloadSchema {
    public typealias Reply = BenchOK
    public static let name = "battle:turn"
    public let battleId: String
    /// The whole object, to broadcast unchanged.
    public let payload: JSONValue

    public init(from decoder: any Decoder) throws {
        payload = try JSONValue(from: decoder)
        guard let id = payload["battleId"]?.stringValue else {
            throw DecodingError.keyNotFound(
                BattleIdKey.battleId, .init(codingPath: [], debugDescription: "battleId is required")
            )
        }
        battleId = id
    }

    /// Any object with a `battleId`.
    public static let payloadSchema = PayloadSchema.object([.init("battleId", .string())], open: true)

    public func validate() throws(ArenaError) {
        guard !battleId.isEmpty, battleId.utf8.count <= 64 else {
            throw .invalidPayload("battleId must be 1 to 64 characters")
        }
    }

    private enum BattleIdKey: String, CodingKey { case battleId }
}

/// The reply to both events: `{"battleId"}`, emitted to the sender as `bench:ok` (and in the ack).
public struct BenchOK: ServerEvent {
    public static let name = "bench:ok"
    public var battleId: String
}
