import Logging
import SocketIOProtocol
import SocketIOServer

/// Binds what plugins registered to the Socket.IO namespace: authentication, connect and
/// disconnect hooks, and typed events with their replies and errors as CONTRACT.md fixes them.
struct Dispatcher: Sendable {
    let namespace: Namespace
    let services: RuntimeServices
    let events: [String: EventRegistration]
    let onConnect: [@Sendable (Connection) async -> Void]
    let onDisconnect: [@Sendable (Connection, String) async -> Void]
    let authenticator: Authenticator?
    /// Handlers placed on the event loop run on their socket's loop through these.
    let executors: EventLoopTaskExecutors
    let limits: EventLimits
    let trustedProxyHeader: String
    let connectionCounts = ConnectionCounts()

    /// The connection budget index of unknown events (limited events are numbered from 0).
    static let unknownEventIndex = -1

    func install() {
        let authenticator = self.authenticator
        let trustedProxyHeader = self.trustedProxyHeader
        namespace.use { handshake in
            let ip = handshake.remoteAddress?.ipAddress ?? ""
            let address = ClientAddress.forwarded(in: handshake.headers, trustedProxyHeader: trustedProxyHeader) ?? ip
            let result = await authenticator?(handshake) ?? .accept(.anonymousSpectator)
            switch result {
            case .accept(let identity):
                return .accept(data: ConnectionState(identity: identity, remoteIP: ip, clientAddress: address))
            case .reject(let error):
                return .reject(message: error.message, data: .object(["code": .string(error.code.rawValue)]))
            }
        }
        namespace.onConnection { socket in
            let connection = Connection(socket: socket)
            services.metrics.connections(role: connection.identity.role, count: connectionCounts.add(connection.identity.role))
            services.connections.add(connection)
            let hooks = onConnect
            _ = connection.state.queue.enqueue {
                for hook in hooks { await hook(connection) }
            }
        }
        namespace.onDisconnect { socket, reason in
            let connection = Connection(socket: socket)
            services.metrics.connections(role: connection.identity.role, count: connectionCounts.remove(connection.identity.role))
            services.connections.remove(connection)
            let hooks = onDisconnect
            // Behind whatever the connection still had queued, so cleanup sees its last events.
            let queued = connection.state.queue.enqueue {
                for hook in hooks { await hook(connection, reason) }
            }
            if !queued {
                Task { for hook in hooks { await hook(connection, reason) } }
            }
        }
        for (index, (name, registration)) in events.sorted(by: { $0.key < $1.key }).enumerated() {
            let onLoop = registration.placement == .eventLoop
            namespace.on(name) { socket, args, ack in
                let connection = Connection(socket: socket)
                let executor = onLoop ? executors.executor(for: socket.eventLoop) : nil
                let accepted = connection.state.queue.enqueue(on: executor) {
                    await handle(registration, index: index, connection: connection, argument: args.first, ack: ack)
                }
                if !accepted {
                    // Counted like a refusal by the connection's own budget: a client that keeps
                    // overflowing its queue is disconnected as a flooder is.
                    refuse(.queueFull(event: name, limit: ConnectionState.queueLimit), event: name, connection: connection, ack: ack)
                }
            }
        }
        namespace.onUnhandledEvent { socket, event, _, ack in
            let connection = Connection(socket: socket)
            let (decision, _) = admitOwn(Self.unknownEventIndex, limit: limits.unknownEvents, connection: connection) { "" }
            if case .limited(let retryAfterMs) = decision {
                refuse(.rateLimited(event: event, retryAfterMs: retryAfterMs), event: event, connection: connection, ack: ack)
                return
            }
            fail(
                ArenaError(.unknownEvent, "no enabled plugin handles '\(event)'"),
                event: event, connection: connection, ack: ack
            )
        }
    }

    /// Takes a token of the connection's own budget of an event; with the identity's rate key
    /// (made by `identityKey` at the connection's first such event, then kept).
    private func admitOwn(
        _ index: Int, limit: RateLimit, connection: Connection, identityKey: () -> String
    ) -> (RateLimitDecision, String) {
        let now = services.clock.now()
        return connection.state.guarded.withLock { $0.limits.attempt(index, limit: limit, at: now, identityKey: identityKey) }
    }

    /// The connection's budget, then (unless the limit is the connection's only) its identity's
    /// (`identityFactor` times larger, shared by the identity's connections and, with Redis,
    /// instances).
    private func admit(_ registration: EventRegistration, index: Int, connection: Connection) async throws {
        guard let limit = registration.rateLimit else { return }
        let (own, identityKey) = admitOwn(index, limit: limit, connection: connection) {
            RateKey.event(registration.name, client: connection.identityKey)
        }
        if case .limited(let retryAfterMs) = own {
            throw OwnBudgetRefusal(error: .rateLimited(event: registration.name, retryAfterMs: retryAfterMs))
        }
        guard limit.scope == .connectionThenIdentity else { return }
        let identityLimit = RateLimit(limit.count * max(limits.identityFactor, 1), per: limit.window)
        if case .limited(let retryAfterMs) = await services.rateLimiter.attempt(
            identityKey, limit: identityLimit)
        {
            throw ArenaError.rateLimited(event: registration.name, retryAfterMs: retryAfterMs)
        }
    }

    /// Answers a refusal by the connection's own budget, and disconnects the connection when it
    /// has been refused too often (see ``EventLimits``).
    private func refuse(_ error: ArenaError, event: String, connection: Connection, ack: Ack?) {
        fail(error, event: event, connection: connection, ack: ack)
        let now = services.clock.now()
        guard connection.state.guarded.withLock({ $0.limits.refused(at: now, limits: limits) }) else { return }
        let abuse = ArenaError(
            .rateLimitAbuse,
            "refused \(limits.abuseRefusals) times within \(Int(limits.abuseWindow.seconds)) s for going over its rate limits; disconnected",
            status: .tooManyRequests)
        connection.revoke(abuse)
        connection.emit(ErrorEvent(code: abuse.code, message: abuse.message, event: event))
        services.metrics.eventHandled("disconnect", outcome: abuse.code.rawValue)
        connection.disconnect()
    }

    private func handle(_ registration: EventRegistration, index: Int, connection: Connection, argument: JSONValue?, ack: Ack?) async {
        var logger = services.logger
        logger[metadataKey: "connection"] = "\(connection.id)"
        logger[metadataKey: "event"] = "\(registration.name)"
        let context = EventContext(connection: connection, services: services, logger: logger, event: registration.name)
        if let revoked = connection.revocation {
            await reply(on: connection) { fail(revoked, event: registration.name, connection: connection, ack: ack) }
            return
        }
        do {
            let outcome = try await registration.handle.run(argument, context) {
                try await admit(registration, index: index, connection: connection)
            }
            services.metrics.eventHandled(registration.name, outcome: "ok")
            await reply(on: connection) {
                connection.socket.emit(outcome.replyName, argumentsJSON: outcome.replyJSON)
                ack?.send(argumentsJSON: Self.okAck(outcome.replyJSON))
            }
        } catch let refusal as OwnBudgetRefusal {
            await reply(on: connection) { refuse(refusal.error, event: registration.name, connection: connection, ack: ack) }
        } catch let error as ArenaError {
            await reply(on: connection) { fail(error, event: registration.name, connection: connection, ack: ack) }
        } catch {
            let answer = ArenaError.answering(error)
            if answer.code == .internalError {
                logger.error("handler failed", metadata: ["error": "\(error)"])
            } else {
                logger.warning("handler refused", metadata: ["error": "\(error)"])
            }
            await reply(on: connection) { fail(answer, event: registration.name, connection: connection, ack: ack) }
        }
    }

    /// Sends an event's replies from the connection's event loop, and returns once they are
    /// written: the next event of the connection (perhaps handled on the loop) cannot overtake
    /// them, whichever thread the handler ran on.
    private func reply(on connection: Connection, _ send: @escaping @Sendable () -> Void) async {
        let loop = connection.eventLoop
        if loop.inEventLoop {
            send()
        } else {
            try? await loop.submit(send).get()
        }
    }

    private func fail(_ error: ArenaError, event: String, connection: Connection, ack: Ack?) {
        // Unknown events are counted under one label: client-chosen names must not grow the metrics.
        let metricsEvent = events[event] == nil ? "unknown" : event
        services.metrics.eventHandled(metricsEvent, outcome: error.code.rawValue)
        connection.emit(ErrorEvent(code: error.code, message: error.message, event: event))
        if let retryAfterMs = error.retryAfterMs, error.code == .rateLimited {
            connection.emit(RateLimitExceeded(event: event, retryAfterMs: retryAfterMs))
        }
        if let ack {
            var bytes: [UInt8] = Array(#"{"ok":false,"error":{"code":"#.utf8)
            JSONWriter.writeString(error.code.rawValue, into: &bytes)
            bytes.append(contentsOf: #","message":"#.utf8)
            JSONWriter.writeString(error.message, into: &bytes)
            if let retryAfterMs = error.retryAfterMs {
                // When to try again (RATE_LIMITED, BATTLE_UNAVAILABLE).
                bytes.append(contentsOf: #","retryAfterMs":\#(retryAfterMs)"#.utf8)
            }
            bytes.append(contentsOf: "}}".utf8)
            ack.send(argumentsJSON: bytes)
        }
    }

    /// `{"ok":true, ...reply}` from the reply's JSON object, without decoding it again.
    static func okAck(_ reply: [UInt8]) -> [UInt8] {
        JSONWriter.prepending(#""ok":true"#.utf8, toObject: reply)
    }
}

/// An event refused by the connection's own budget (counted towards disconnecting it).
private struct OwnBudgetRefusal: Error {
    let error: ArenaError
}

/// Open connections by role, for the connections gauge.
final class ConnectionCounts: Sendable {
    private let counts = NIOLockedValueBox<[Identity.Role: Int]>([:])

    func add(_ role: Identity.Role) -> Int {
        counts.withLockedValue {
            $0[role, default: 0] += 1; return $0[role]!
        }
    }

    func remove(_ role: Identity.Role) -> Int {
        counts.withLockedValue {
            $0[role, default: 0] -= 1; return max($0[role]!, 0)
        }
    }
}

import NIOConcurrencyHelpers
