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
    let connectionCounts = ConnectionCounts()

    func install() {
        let authenticator = self.authenticator
        namespace.use { handshake in
            let ip = handshake.remoteAddress?.ipAddress ?? ""
            let result = await authenticator?(handshake) ?? .accept(.anonymousSpectator)
            switch result {
            case .accept(let identity):
                return .accept(data: ConnectionState(identity: identity, remoteIP: ip))
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
        for (name, registration) in events {
            let onLoop = registration.placement == .eventLoop
            namespace.on(name) { socket, args, ack in
                let connection = Connection(socket: socket)
                let executor = onLoop ? executors.executor(for: socket.eventLoop) : nil
                let accepted = connection.state.queue.enqueue(on: executor) {
                    await handle(registration, connection: connection, argument: args.first, ack: ack)
                }
                if !accepted {
                    fail(.queueFull(event: name, limit: ConnectionState.queueLimit), event: name, connection: connection, ack: ack)
                }
            }
        }
        namespace.onUnhandledEvent { socket, event, _, ack in
            fail(
                ArenaError(.unknownEvent, "no enabled plugin handles '\(event)'"),
                event: event, connection: Connection(socket: socket), ack: ack
            )
        }
    }

    private func handle(_ registration: EventRegistration, connection: Connection, argument: JSONValue?, ack: Ack?) async {
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
                guard let limit = registration.rateLimit else { return }
                let key = RateKey.event(registration.name, client: connection.clientKey())
                if case .limited(let retryAfterMs) = await services.rateLimiter.attempt(key, limit: limit) {
                    throw ArenaError.rateLimited(event: registration.name, retryAfterMs: retryAfterMs)
                }
            }
            services.metrics.eventHandled(registration.name, outcome: "ok")
            await reply(on: connection) {
                connection.socket.emit(outcome.replyName, argumentsJSON: outcome.replyJSON)
                ack?.send(argumentsJSON: Self.okAck(outcome.replyJSON))
            }
        } catch let error as ArenaError {
            await reply(on: connection) { fail(error, event: registration.name, connection: connection, ack: ack) }
        } catch {
            logger.error("handler failed", metadata: ["error": "\(error)"])
            await reply(on: connection) { fail(.internalError, event: registration.name, connection: connection, ack: ack) }
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
        let metricsEvent = error.code == .unknownEvent ? "unknown" : event
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
