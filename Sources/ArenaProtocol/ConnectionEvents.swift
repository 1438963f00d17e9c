import Foundation
import SocketIOProtocol

extension ErrorCode {
    public static let invalidApiKey: ErrorCode = "INVALID_API_KEY"
    public static let agentInactive: ErrorCode = "AGENT_INACTIVE"
    public static let authRequired: ErrorCode = "AUTH_REQUIRED"
    /// The codes a connection may be refused with at the handshake (CONNECT_ERROR's `data.code`).
    public static let handshake: [ErrorCode] = [.invalidApiKey, .agentInactive, .authRequired]
    /// Sign-up over HTTP is closed on this server (`registration = "closed"`).
    public static let registrationClosed: ErrorCode = "REGISTRATION_CLOSED"
    /// The request needs the operator key (`registration = "operator"`, the operator's routes).
    public static let operatorKeyRequired: ErrorCode = "OPERATOR_KEY_REQUIRED"
}

/// `connected`: sent once a connection is established.
public struct Connected: ServerEvent {
    public static let name = "connected"
    public struct AgentSummary: Codable, Sendable, Equatable {
        public var id: String
        public var name: String

        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    public var socketId: String
    public var role: Identity.Role
    public var agent: AgentSummary?
    public var serverTime: Date

    public init(socketId: String, role: Identity.Role, agent: AgentSummary? = nil, serverTime: Date) {
        self.socketId = socketId
        self.role = role
        self.agent = agent
        self.serverTime = serverTime
    }

    enum CodingKeys: CodingKey { case socketId, role, agent, serverTime }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        socketId = try container.decode(String.self, forKey: .socketId)
        role = try container.decode(Identity.Role.self, forKey: .role)
        agent = try container.decode(AgentSummary?.self, forKey: .agent)  // always there, null for spectators
        serverTime = try container.decode(Date.self, forKey: .serverTime)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(socketId, forKey: .socketId)
        try container.encode(role, forKey: .role)
        try container.encode(agent, forKey: .agent)  // null for spectators, as the contract shows
        try container.encode(serverTime, forKey: .serverTime)
    }
}

/// `ping {...}`: any object; its fields come back in the `pong`.
public struct Ping: ClientEvent, DeclaresPayloadSchema {
    public typealias Reply = Pong
    public static let name = "ping"
    public var fields: [JSONMember]

    public init(fields: [JSONMember]) {
        self.fields = fields
    }

    public init(from decoder: any Decoder) throws {
        guard case .object(let members) = try JSONValue(from: decoder) else {
            throw DecodingError.typeMismatch([String: JSONValue].self, .init(codingPath: [], debugDescription: "ping takes an object"))
        }
        fields = members
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(fields).encode(to: encoder)
    }

    /// Any object of at most 32 members.
    public static let payloadSchema = PayloadSchema.object([], open: true)

    public func validate() throws(ArenaError) {
        guard fields.count <= 32 else { throw .invalidPayload("ping takes at most 32 fields") }
    }
}

/// `pong {"serverTime", ...the ping's fields}`.
public struct Pong: ServerEvent, DeclaresPayloadSchema {
    public static let name = "pong"
    public var serverTime: Date
    public var echo: [JSONMember]

    public init(serverTime: Date, echo: [JSONMember]) {
        self.serverTime = serverTime
        self.echo = echo
    }

    /// `serverTime`, then the ping's own members.
    public static let payloadSchema = PayloadSchema.object([.init("serverTime", .string(format: "date-time"))], open: true)

    /// The ping's fields come back beside `serverTime`.
    public init(from decoder: any Decoder) throws {
        guard case .object(let members) = try JSONValue(from: decoder),
            let time = members.first(where: { $0.key == "serverTime" })?.value.stringValue, let serverTime = ArenaJSON.parseDate(time)
        else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "pong is an object with serverTime"))
        }
        self.serverTime = serverTime
        self.echo = members.filter { $0.key != "serverTime" }
    }

    public func encode(to encoder: any Encoder) throws {
        var members = echo.filter { $0.key != "serverTime" && $0.key != "ok" }
        members.insert(JSONMember("serverTime", .string(ArenaJSON.formatDate(serverTime))), at: 0)
        try JSONValue.object(members).encode(to: encoder)
    }
}

/// `agent:deactivated {"agentId","message"}`: sent to each of an agent's connections just before
/// the server ends it, because the agent was deactivated.
public struct AgentDeactivated: ServerEvent {
    public static let name = "agent:deactivated"
    public var agentId: String
    public var message: String

    public init(agentId: String, message: String) {
        self.agentId = agentId
        self.message = message
    }
}
