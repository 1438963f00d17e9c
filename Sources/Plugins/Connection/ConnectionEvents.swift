import Foundation
import Runtime
import SocketIOProtocol

/// `connected`: sent once a connection is established.
struct Connected: ServerEvent {
    static let name = "connected"
    struct AgentSummary: Encodable, Sendable {
        var id: String
        var name: String
    }

    var socketId: String
    var role: Identity.Role
    var agent: AgentSummary?
    var serverTime: Date

    init(connection: Connection, serverTime: Date) {
        socketId = connection.id
        role = connection.identity.role
        agent = connection.identity.agentId.map { AgentSummary(id: $0, name: connection.identity.name ?? "") }
        self.serverTime = serverTime
    }

    enum CodingKeys: CodingKey { case socketId, role, agent, serverTime }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(socketId, forKey: .socketId)
        try container.encode(role, forKey: .role)
        try container.encode(agent, forKey: .agent)  // null for spectators, as the contract shows
        try container.encode(serverTime, forKey: .serverTime)
    }
}

/// `ping {...}`: any object; its fields come back in the `pong`.
struct Ping: ClientEvent {
    typealias Reply = Pong
    static let name = "ping"
    var fields: [JSONMember]

    init(from decoder: any Decoder) throws {
        guard case .object(let members) = try JSONValue(from: decoder) else {
            throw DecodingError.typeMismatch([String: JSONValue].self, .init(codingPath: [], debugDescription: "ping takes an object"))
        }
        fields = members
    }

    func validate() throws(ArenaError) {
        guard fields.count <= 32 else { throw .invalidPayload("ping takes at most 32 fields") }
    }
}

/// `pong {"serverTime", ...the ping's fields}`.
struct Pong: ServerEvent {
    static let name = "pong"
    var serverTime: Date
    var echo: [JSONMember]

    func encode(to encoder: any Encoder) throws {
        var members = echo.filter { $0.key != "serverTime" && $0.key != "ok" }
        members.insert(JSONMember("serverTime", .string(ArenaJSON.formatDate(serverTime))), at: 0)
        try JSONValue.object(members).encode(to: encoder)
    }
}

/// Bus: a connection was established.
public struct ClientConnected: BusEvent {
    public let connectionId: String
    public let identity: Identity
}

/// Bus: a connection went away, so plugins can clean up (rooms, presence).
public struct ClientDisconnected: BusEvent {
    public let connectionId: String
    public let identity: Identity
    public let reason: String
}
