import Foundation
import NIOConcurrencyHelpers
import NIOCore
import SocketIOProtocol
import SocketIOServer

/// Why an in-process connection failed.
public enum TestConnectionError: Error, Sendable, Equatable {
    case rejected(code: String?, message: String)
    case timeout(waitingFor: String)
    case disconnected
}

/// An in-process Socket.IO client of the harness: emit with ack, expect events by name, and a
/// record of everything received, in order.
public final class TestConnection: Sendable {
    private struct State {
        var decoder = SocketIOPacketDecoder()
        var events: [(name: String, payload: JSONValue)] = []
        var acks: [UInt64: CheckedContinuation<JSONValue, any Error>] = [:]
        var nextAckId: UInt64 = 0
        var waiters: [(id: UInt64, name: String, continuation: CheckedContinuation<JSONValue, any Error>)] = []
        var nextWaiterId: UInt64 = 0
        var connect: CheckedContinuation<String, any Error>?
        var socketId: String?
        var closed = false
    }

    private let state = NIOLockedValueBox(State())
    private let sessionBox = NIOLockedValueBox<EngineIOSession?>(nil)

    static func open(server: EngineIOServer, handshake: EngineIOHandshake, eventLoop: any EventLoop, auth: JSONValue?) async throws -> TestConnection
    {
        let connection = TestConnection()
        let transport = InProcessTransport(
            deliver: { [weak connection] frames in connection?.receive(frames) },
            onClose: { [weak connection] _ in connection?.closed() }
        )
        let session = try await server.openInProcessSession(handshake: handshake, eventLoop: eventLoop, transport: transport).get()
        connection.sessionBox.withLockedValue { $0 = session }
        _ = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<String, any Error>) in
            connection.state.withLockedValue { $0.connect = continuation }
            connection.send(SocketIOPacket(.connect, data: auth))
        }
        return connection
    }

    /// The Socket.IO socket id the server gave this connection.
    public var socketId: String { state.withLockedValue { $0.socketId ?? "" } }

    /// Emits `event` with `payload` and returns the ack (`{"ok":true,...}` or `{"ok":false,"error":...}`).
    public func emit(_ event: String, _ payload: JSONValue, timeout: Duration = .seconds(5)) async throws -> JSONValue {
        try await emit(event, timeout: timeout) { id in self.send(.event(event, [payload], ackId: id)) }
    }

    /// Emits `event` with its argument written as raw JSON text, exactly as given (what a
    /// ``JSONValue`` cannot say, such as `1e999`), and returns the ack.
    public func emit(_ event: String, payloadJSON: String, timeout: Duration = .seconds(5)) async throws -> JSONValue {
        var name: [UInt8] = []
        JSONWriter.writeString(event, into: &name)
        let prefix = String(decoding: name, as: UTF8.self)
        return try await emit(event, timeout: timeout) { id in
            guard let session = self.sessionBox.withLockedValue({ $0 }) else { return }
            session.receiveInProcess(EngineIOPacket(.message, bytes: Array("2\(id)[\(prefix),\(payloadJSON)]".utf8)))
        }
    }

    private func emit(_ event: String, timeout: Duration, sending: @escaping @Sendable (UInt64) -> Void) async throws -> JSONValue {
        let id = state.withLockedValue { state -> UInt64 in
            defer { state.nextAckId += 1 }
            return state.nextAckId
        }
        return try await withTimeout(timeout, waitingFor: "ack of \(event)") {
            try await withCheckedThrowingContinuation { continuation in
                let closed = self.state.withLockedValue { state -> Bool in
                    if state.closed { return true }
                    state.acks[id] = continuation
                    return false
                }
                if closed { return continuation.resume(throwing: TestConnectionError.disconnected) }
                sending(id)
            }
        } onTimeout: {
            self.state.withLockedValue { $0.acks.removeValue(forKey: id) }?.resume(
                throwing: TestConnectionError.timeout(waitingFor: "ack of \(event)"))
        }
    }

    /// Emits without asking for an ack.
    public func send(_ event: String, _ payload: JSONValue) {
        send(.event(event, [payload]))
    }

    /// Waits for the next event named `name` (taking it out of the buffer) and returns its
    /// first argument. Events of other names stay buffered, in order.
    public func expect(_ name: String, timeout: Duration = .seconds(5)) async throws -> JSONValue {
        let waiterId = state.withLockedValue { state -> UInt64 in
            defer { state.nextWaiterId += 1 }
            return state.nextWaiterId
        }
        return try await withTimeout(timeout, waitingFor: name) {
            try await withCheckedThrowingContinuation { continuation in
                let found = self.state.withLockedValue { state -> Result<JSONValue, TestConnectionError>? in
                    if let index = state.events.firstIndex(where: { $0.name == name }) {
                        return .success(state.events.remove(at: index).payload)
                    }
                    if state.closed { return .failure(.disconnected) }
                    state.waiters.append((waiterId, name, continuation))
                    return nil
                }
                if let found { continuation.resume(with: found) }
            }
        } onTimeout: {
            let waiter = self.state.withLockedValue { state in
                state.waiters.firstIndex { $0.id == waiterId }.map { state.waiters.remove(at: $0).continuation }
            }
            waiter?.resume(throwing: TestConnectionError.timeout(waitingFor: name))
        }
    }

    /// Names of the events received and not yet taken by ``expect(_:timeout:)``, in order.
    public var bufferedEventNames: [String] {
        state.withLockedValue { $0.events.map(\.name) }
    }

    /// Takes every buffered event.
    public func drainEvents() -> [(name: String, payload: JSONValue)] {
        state.withLockedValue { state in
            defer { state.events.removeAll() }
            return state.events
        }
    }

    public var isClosed: Bool { state.withLockedValue { $0.closed } }

    /// Disconnects from the namespace and closes the session, as a client leaving would.
    public func disconnect() {
        send(SocketIOPacket(.disconnect))
        sessionBox.withLockedValue { $0 }?.receiveInProcess(EngineIOPacket(.close))
    }

    // MARK: Wire

    private func send(_ packet: SocketIOPacket) {
        guard let session = sessionBox.withLockedValue({ $0 }) else { return }
        let encoded = packet.encode()
        session.receiveInProcess(EngineIOPacket(.message, bytes: encoded.text))
        for attachment in encoded.attachments {
            session.receiveInProcess(EngineIOPacket(binary: attachment))
        }
    }

    private func receive(_ frames: [OutboundFrame]) {
        for frame in frames {
            let packet = frame.packet
            switch packet.type {
            case .ping:
                sessionBox.withLockedValue { $0 }?.receiveInProcess(EngineIOPacket(.pong))
            case .message:
                let decoded = state.withLockedValue { state in
                    packet.isBinary ? try? state.decoder.decode(binary: packet.payload) : try? state.decoder.decode(text: packet.payload)
                }
                if let decoded { handle(decoded) }
            default:
                break
            }
        }
    }

    private func handle(_ packet: SocketIOPacket) {
        switch packet.type {
        case .connect:
            let id = packet.data?["sid"]?.stringValue ?? ""
            let continuation = state.withLockedValue { state in
                state.socketId = id
                defer { state.connect = nil }
                return state.connect
            }
            continuation?.resume(returning: id)
        case .connectError:
            let message = packet.data?["message"]?.stringValue ?? ""
            let code = packet.data?["data"]?["code"]?.stringValue
            let continuation = state.withLockedValue { state in
                defer { state.connect = nil }
                return state.connect
            }
            continuation?.resume(throwing: TestConnectionError.rejected(code: code, message: message))
        case .event, .binaryEvent:
            guard let (name, args) = packet.eventNameAndArguments else { return }
            let payload = args.first ?? .null
            let waiter = state.withLockedValue { state -> CheckedContinuation<JSONValue, any Error>? in
                if let index = state.waiters.firstIndex(where: { $0.name == name }) {
                    return state.waiters.remove(at: index).continuation
                }
                state.events.append((name, payload))
                return nil
            }
            waiter?.resume(returning: payload)
        case .ack, .binaryAck:
            guard let id = packet.ackId else { return }
            let continuation = state.withLockedValue { $0.acks.removeValue(forKey: id) }
            continuation?.resume(returning: packet.data?.arrayValue?.first ?? .null)
        case .disconnect:
            closed()
        }
    }

    private func closed() {
        let (acks, waiters, connect) = state.withLockedValue { state in
            state.closed = true
            defer {
                state.acks.removeAll()
                state.waiters.removeAll()
                state.connect = nil
            }
            return (Array(state.acks.values), state.waiters.map(\.continuation), state.connect)
        }
        for continuation in acks { continuation.resume(throwing: TestConnectionError.disconnected) }
        for continuation in waiters { continuation.resume(throwing: TestConnectionError.disconnected) }
        connect?.resume(throwing: TestConnectionError.disconnected)
    }
}

/// Runs `body`, or gives up after `timeout` (real time: a bound on waiting, never a pause).
/// `onTimeout` must make `body` finish (by resuming what it waits on).
func withTimeout<T: Sendable>(
    _ timeout: Duration,
    waitingFor what: String,
    _ body: @escaping @Sendable () async throws -> T,
    onTimeout: @escaping @Sendable () -> Void
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        guard let first = try await group.next(), let value = first else {
            onTimeout()
            group.cancelAll()
            throw TestConnectionError.timeout(waitingFor: what)
        }
        group.cancelAll()
        return value
    }
}
