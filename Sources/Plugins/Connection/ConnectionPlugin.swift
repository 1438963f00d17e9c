import Foundation
import Runtime

/// Phase 1D, who is connecting: agents and their API keys, the handshake that turns a key into
/// an identity, the `connected` greeting, `ping`, and the agents HTTP API.
public struct ConnectionPlugin: Plugin {
    public struct Options: PluginOptions {
        /// Whether clients without a key may connect, as spectators.
        public var anonymousSpectators: Bool = true

        enum CodingKeys: String, CodingKey, CaseIterable {
            case anonymousSpectators = "anonymous_spectators"
        }
        public static let optionKeys = CodingKeys.allCases.map(\.rawValue)

        public init() {}

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            try container.decodeOption(&anonymousSpectators, .anonymousSpectators)
        }
    }

    public static let name = "connection"
    let options: Options

    public init(options: Options, mode: PluginMode) {
        self.options = options
    }

    public func register(with registrar: inout Registrar) {
        for (name, migrate) in AgentStore.migrations {
            registrar.migration(name, migrate)
        }
        let store = AgentStore(database: registrar.services.database, clock: registrar.services.clock)
        registrar.provide(store)
        let services = registrar.services
        let anonymousSpectators = options.anonymousSpectators

        registrar.authenticate { handshake in
            await HandshakeAuthenticator(store: store, anonymousSpectators: anonymousSpectators).authenticate(handshake)
        }
        registrar.onConnect { connection in
            connection.emit(Connected(connection: connection, serverTime: services.clock.now()))
            await services.bus.publish(ClientConnected(connectionId: connection.id, identity: connection.identity))
        }
        registrar.onDisconnect { connection, reason in
            await services.bus.publish(ClientDisconnected(connectionId: connection.id, identity: connection.identity, reason: reason))
        }
        registrar.on(Ping.self, rateLimit: RateLimit(20, per: .seconds(10)), runsOn: .eventLoop) { ping, context in
            Pong(serverTime: context.services.clock.now(), echo: ping.fields)
        }
        registrar.routes { router in
            AgentRoutes(store: store).add(to: router)
        }
    }
}

extension ErrorCode {
    public static let invalidApiKey: ErrorCode = "INVALID_API_KEY"
    public static let agentInactive: ErrorCode = "AGENT_INACTIVE"
    public static let authRequired: ErrorCode = "AUTH_REQUIRED"
}
