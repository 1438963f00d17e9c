import Foundation
import Runtime

/// Phase 1D, who is connecting: agents and their API keys, the handshake that turns a key into
/// an identity, the `connected` greeting, `ping`, the agents HTTP API (with its gate on sign-up),
/// and deactivation reaching an agent's open connections.
public struct ConnectionPlugin: Plugin {
    public typealias Options = ConnectionOptions

    public static let name = "connection"
    let options: Options
    let operatorKey: OperatorKey

    public init(options: Options, mode: PluginMode) throws {
        try self.init(options: options, environment: ProcessInfo.processInfo.environment)
    }

    /// With the environment the operator key is read from (tests pass their own).
    init(options: Options, environment: [String: String]) throws {
        self.options = try options.validated()
        let key = environment[options.operatorKeyEnv]
        if let key, !key.isEmpty, key.count < OperatorKey.minimumLength {
            throw InvalidOption(
                "operator_key_env", expected: "a key of at least \(OperatorKey.minimumLength) characters in $\(options.operatorKeyEnv)")
        }
        operatorKey = OperatorKey(key)
        if options.registration == .operator, !operatorKey.isConfigured {
            throw InvalidOption(
                "registration", expected: "\"operator\" needs the operator key in $\(options.operatorKeyEnv) (or set \"open\" or \"closed\")")
        }
    }

    public func register(with registrar: inout Registrar) {
        for migration in AgentStore.migrations {
            registrar.migration(migration)
        }
        let store = AgentStore(database: registrar.services.database, clock: registrar.services.clock)
        registrar.provide(store)
        let services = registrar.services
        let anonymousSpectators = options.anonymousSpectators
        let cache = VerifiedKeyCache(capacity: options.keyCacheSize, ttl: .fractionalSeconds(options.keyCacheSeconds))
        let keys = KeyVerifier(store: store, cache: cache, clock: services.clock)
        let revocation = Revocation(
            store: store, keys: cache, services: services, interval: .fractionalSeconds(options.revocationCheckSeconds))
        revocation.listen()

        registrar.trustProxyHeader(options.trustedProxyHeader)
        registrar.sends(Connected.self, AgentDeactivated.self)
        registrar.authenticate(refusals: ErrorCode.handshake) { handshake in
            await HandshakeAuthenticator(keys: keys, anonymousSpectators: anonymousSpectators).authenticate(handshake)
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
        let routes = AgentRoutes(
            store: store, keys: keys, options: options, operatorKey: operatorKey, rateLimiter: services.rateLimiter, revocation: revocation)
        registrar.routes { router in
            routes.add(to: router)
        }
        registrar.onStart {
            revocation.startChecking()
        }
    }
}
