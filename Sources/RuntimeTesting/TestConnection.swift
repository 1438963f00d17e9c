import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import Runtime
import SocketIOProtocol

/// Why an in-process connection failed.
public enum TestConnectionError: Error, Sendable, Equatable {
    case rejected(code: String?, message: String)
    case timeout(waitingFor: String)
    case disconnected
}

/// An in-process Socket.IO client of the harness (a ``LocalClient`` of the runtime): emit with
/// ack, expect events by name, and a record of everything received, in order.
public final class TestConnection: Sendable {
    private struct State {
        var events: [(name: String, payload: JSONValue)] = []
        var waiters: [(id: UInt64, name: String, continuation: CheckedContinuation<JSONValue, any Error>)] = []
        var nextWaiterId: UInt64 = 0
        var closed = false
    }

    private let state = NIOLockedValueBox(State())
    private let clientBox = NIOLockedValueBox<LocalClient?>(nil)

    static func open(clients: LocalClients, headers: HTTPFields, remoteAddress: String, auth: JSONValue?) async throws -> TestConnection {
        let connection = TestConnection()
        do {
            let client = try await clients.connect(
                auth: auth, headers: headers, remoteAddress: remoteAddress,
                onEvent: { [weak connection] name, payload in connection?.received(name, payload) },
                onClose: { [weak connection] in connection?.closed() }
            )
            connection.clientBox.withLockedValue { $0 = client }
        } catch let error as LocalClientError {
            throw TestConnectionError(error)
        }
        return connection
    }

    private var client: LocalClient? { clientBox.withLockedValue { $0 } }

    /// The Socket.IO socket id the server gave this connection.
    public var socketId: String { client?.socketId ?? "" }

    /// Emits `event` with `payload` and returns the ack (`{"ok":true,...}` or `{"ok":false,"error":...}`).
    public func emit(_ event: String, _ payload: JSONValue, timeout: Duration = .seconds(5)) async throws -> JSONValue {
        try await ack(of: event, timeout: timeout) { client in try await client.call(event, payload) }
    }

    /// Emits `event` with its argument written as raw JSON text, exactly as given (what a
    /// ``JSONValue`` cannot say, such as `1e999`), and returns the ack.
    public func emit(_ event: String, payloadJSON: String, timeout: Duration = .seconds(5)) async throws -> JSONValue {
        try await ack(of: event, timeout: timeout) { client in try await client.call(event, payloadJSON: payloadJSON) }
    }

    private func ack(
        of event: String, timeout: Duration, _ call: @escaping @Sendable (LocalClient) async throws -> JSONValue
    ) async throws -> JSONValue {
        guard let client else { throw TestConnectionError.disconnected }
        do {
            // On timeout the call is cancelled, which ends its wait.
            return try await withTimeout(timeout, waitingFor: "ack of \(event)") {
                try await call(client)
            } onTimeout: {
            }
        } catch let error as LocalClientError {
            throw TestConnectionError(error)
        }
    }

    /// Emits without asking for an ack.
    public func send(_ event: String, _ payload: JSONValue) {
        client?.emit(event, payload)
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
        client?.disconnect()
    }

    private func received(_ name: String, _ payload: JSONValue) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<JSONValue, any Error>? in
            if let index = state.waiters.firstIndex(where: { $0.name == name }) {
                return state.waiters.remove(at: index).continuation
            }
            state.events.append((name, payload))
            return nil
        }
        waiter?.resume(returning: payload)
    }

    private func closed() {
        let waiters = state.withLockedValue { state in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters.map(\.continuation)
        }
        for continuation in waiters { continuation.resume(throwing: TestConnectionError.disconnected) }
    }
}

extension TestConnectionError {
    init(_ error: LocalClientError) {
        switch error {
        case .rejected(let code, let message): self = .rejected(code: code, message: message)
        case .disconnected: self = .disconnected
        }
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
