import Foundation
import HTTPTypes
import NIOConcurrencyHelpers
import NIOCore
import SocketIOProtocol
import SocketIOServer

/// Opens Socket.IO clients of this server that live in the process: a plugin that speaks for a
/// client over another protocol (the MCP plugin, for an LLM agent) goes through exactly what a
/// socket goes through (the handshake's key check, the handlers, their limits and rules, rooms,
/// presence) instead of calling the rules itself, so there is one copy of them.
public struct LocalClients: Sendable {
    let engine: EngineIOServer
    let eventLoopGroup: any EventLoopGroup

    init(engine: EngineIOServer, eventLoopGroup: any EventLoopGroup) {
        self.engine = engine
        self.eventLoopGroup = eventLoopGroup
    }

    /// Connects with `auth` (the Socket.IO CONNECT payload, `{"token": KEY}` for an agent) as if
    /// from `remoteAddress`. Throws ``LocalClientError/rejected(code:message:)`` when the server
    /// refuses the connection (a bad key, say).
    ///
    /// - Parameters:
    ///   - onEvent: every event the server sends the client, in order (name and first argument).
    ///   - onClose: the connection ended, from either side.
    public func connect(
        auth: JSONValue?, headers: HTTPFields = [:], remoteAddress: String = "127.0.0.1",
        onEvent: @escaping @Sendable (_ name: String, _ payload: JSONValue) -> Void,
        onClose: @escaping @Sendable () -> Void = {}
    ) async throws -> LocalClient {
        let address = try? SocketAddress(ipAddress: remoteAddress, port: 0)
        let handshake = EngineIOHandshake(headers: headers, remoteAddress: address, transport: "local")
        let client = LocalClient(onEvent: onEvent, onClose: onClose)
        let transport = InProcessTransport(
            deliver: { [weak client] frames in client?.receive(frames) },
            onClose: { [weak client] _ in client?.closed() }
        )
        let session = try await engine.openInProcessSession(handshake: handshake, eventLoop: eventLoopGroup.any(), transport: transport).get()
        client.session.withLockedValue { $0 = session }
        try await client.connect(auth: auth)
        return client
    }
}

/// Why a local client's call failed.
public enum LocalClientError: Error, Sendable, Equatable {
    case rejected(code: String?, message: String)
    case disconnected
}

/// One in-process Socket.IO client (see ``LocalClients``): emits with acks, hears every event
/// sent to it. Its connection lasts until ``disconnect()`` or until the server ends it (its agent
/// deactivated, the server shutting down), which ``isClosed`` tells.
public final class LocalClient: Sendable {
    private struct State {
        var decoder = SocketIOPacketDecoder()
        var acks: [UInt64: CheckedContinuation<JSONValue, any Error>] = [:]
        var nextAckId: UInt64 = 0
        var connect: CheckedContinuation<Void, any Error>?
        var socketId = ""
        var closed = false
    }

    private let state = NIOLockedValueBox(State())
    fileprivate let session = NIOLockedValueBox<EngineIOSession?>(nil)
    private let onEvent: @Sendable (String, JSONValue) -> Void
    private let onClose: @Sendable () -> Void

    fileprivate init(onEvent: @escaping @Sendable (String, JSONValue) -> Void, onClose: @escaping @Sendable () -> Void) {
        self.onEvent = onEvent
        self.onClose = onClose
    }

    /// The Socket.IO socket id the server gave this client.
    public var socketId: String { state.withLockedValue { $0.socketId } }
    public var isClosed: Bool { state.withLockedValue { $0.closed } }

    /// Emits `event` with `payload` and returns the ack's first argument (`{"ok":true,...}` or
    /// `{"ok":false,"error":{...}}`). Every handler of the server answers, so no timeout here;
    /// cancelling the calling task stops the wait (with `CancellationError`).
    public func call(_ event: String, _ payload: JSONValue) async throws -> JSONValue {
        try await call { id in self.send(.event(event, [payload], ackId: id)) }
    }

    /// Emits `event` with its argument written as raw JSON text, exactly as given (what a
    /// ``JSONValue`` cannot say, such as `1e999`), and returns the ack.
    public func call(_ event: String, payloadJSON: String) async throws -> JSONValue {
        var name: [UInt8] = []
        JSONWriter.writeString(event, into: &name)
        let prefix = String(decoding: name, as: UTF8.self)
        return try await call { id in
            self.session.withLockedValue { $0 }?.receiveInProcess(EngineIOPacket(.message, bytes: Array("2\(id)[\(prefix),\(payloadJSON)]".utf8)))
        }
    }

    /// Emits without asking for an ack.
    public func emit(_ event: String, _ payload: JSONValue) {
        send(.event(event, [payload]))
    }

    private func call(sending: @escaping @Sendable (UInt64) -> Void) async throws -> JSONValue {
        let id = state.withLockedValue { state -> UInt64 in
            defer { state.nextAckId += 1 }
            return state.nextAckId
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let refusal = state.withLockedValue { state -> (any Error)? in
                    if state.closed { return LocalClientError.disconnected }
                    if Task.isCancelled { return CancellationError() }
                    state.acks[id] = continuation
                    return nil
                }
                if let refusal { return continuation.resume(throwing: refusal) }
                sending(id)
            }
        } onCancel: {
            state.withLockedValue { $0.acks.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Leaves the namespace and closes the session, as a client going away does.
    public func disconnect() {
        send(SocketIOPacket(.disconnect))
        session.withLockedValue { $0 }?.receiveInProcess(EngineIOPacket(.close))
    }

    fileprivate func connect(auth: JSONValue?) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            state.withLockedValue { $0.connect = continuation }
            send(SocketIOPacket(.connect, data: auth))
        }
    }

    // MARK: The wire, in process

    private func send(_ packet: SocketIOPacket) {
        guard let session = session.withLockedValue({ $0 }) else { return }
        let encoded = packet.encode()
        session.receiveInProcess(EngineIOPacket(.message, bytes: encoded.text))
        for attachment in encoded.attachments {
            session.receiveInProcess(EngineIOPacket(binary: attachment))
        }
    }

    fileprivate func receive(_ frames: [OutboundFrame]) {
        for frame in frames {
            let packet = frame.packet
            switch packet.type {
            case .ping:
                session.withLockedValue { $0 }?.receiveInProcess(EngineIOPacket(.pong))
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
            let continuation = state.withLockedValue { state in
                state.socketId = packet.data?["sid"]?.stringValue ?? ""
                defer { state.connect = nil }
                return state.connect
            }
            continuation?.resume()
        case .connectError:
            let error = LocalClientError.rejected(
                code: packet.data?["data"]?["code"]?.stringValue, message: packet.data?["message"]?.stringValue ?? "")
            let continuation = state.withLockedValue { state in
                defer { state.connect = nil }
                return state.connect
            }
            continuation?.resume(throwing: error)
        case .event, .binaryEvent:
            guard let (name, arguments) = packet.eventNameAndArguments else { return }
            onEvent(name, arguments.first ?? .null)
        case .ack, .binaryAck:
            guard let id = packet.ackId else { return }
            state.withLockedValue { $0.acks.removeValue(forKey: id) }?.resume(returning: packet.data?.arrayValue?.first ?? .null)
        case .disconnect:
            closed()
        }
    }

    fileprivate func closed() {
        let (acks, connect, first) = state.withLockedValue { state in
            let first = !state.closed
            state.closed = true
            defer {
                state.acks.removeAll()
                state.connect = nil
            }
            return (Array(state.acks.values), state.connect, first)
        }
        for continuation in acks { continuation.resume(throwing: LocalClientError.disconnected) }
        connect?.resume(throwing: LocalClientError.disconnected)
        if first { onClose() }
    }
}
