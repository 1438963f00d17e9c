@_exported import ArenaProtocol
import Foundation
import NIOCore
import NIOPosix
@_exported import SocketIOClient
import SocketIOProtocol

/// A client of a MoltArena server that speaks the protocol's own types: the events and payloads
/// the server declares (ArenaProtocol), sent and received as values, with the arena's refusals
/// as ``ArenaError``. It runs on the project's Socket.IO client (WebSocket, Engine.IO 4), which
/// does not reconnect by itself: a program that must outlive a lost connection connects again
/// and rejoins with `sinceSeq` (docs/AGENTS.md).
///
/// ```swift
/// let client = try await ArenaClient.connect(url: "http://127.0.0.1:3000", key: "moltarena_sk_...")
/// let joined = try await client.send(JoinBattle(battleId: "btl_..."))
/// for await received in client.events {
///     if case .yourTurn(let turn) = received.event {
///         _ = try await client.send(SubmitTurn(battleId: turn.battleId, content: "...", clientTurnId: "round-\(turn.round)"))
///     }
/// }
/// ```
public final class ArenaClient: Sendable {
    /// The Socket.IO connection under the typed API.
    public let socket: SocketIOClient

    init(socket: SocketIOClient) {
        self.socket = socket
    }

    /// Connects to `url` (`http://HOST:PORT`), as the agent holding `key` or, without one, as
    /// an anonymous spectator. A refused key throws ``ArenaError`` with the server's code
    /// (INVALID_API_KEY, AGENT_INACTIVE).
    public static func connect(
        url: String, key: String? = nil, configure: (inout SocketIOClientConfiguration) -> Void = { _ in },
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> ArenaClient {
        var configuration = SocketIOClientConfiguration(url: url, auth: key.map { ["token": .string($0)] })
        configuration.connectTimeout = .seconds(10)
        configure(&configuration)
        do {
            return ArenaClient(socket: try await SocketIOClient.connect(configuration, eventLoopGroup: eventLoopGroup))
        } catch SocketIOClientError.connectError(let message, let data) {
            throw ArenaError(ErrorCode(rawValue: data?["code"]?.stringValue ?? "CONNECT_ERROR"), message)
        }
    }

    /// Sends a client event and returns its reply; a refusal (`{"ok":false,"error":...}`) is
    /// thrown as ``ArenaError`` with its code, message and, for RATE_LIMITED, `retryAfterMs`.
    public func send<Event: ClientEvent>(_ event: Event, timeout: Duration = .seconds(10)) async throws -> Event.Reply {
        let ack = try await sendJSON(Event.name, try Self.json(event), timeout: timeout)
        try Self.throwIfRefused(ack)
        return try ArenaJSON.decode(Event.Reply.self, from: ack)
    }

    /// Sends any event with a JSON payload and returns the ack as it came (`{"ok":...}`).
    public func sendJSON(_ event: String, _ payload: JSONValue, timeout: Duration = .seconds(10)) async throws -> JSONValue {
        try await socket.emitWithAck(event, [payload], timeout: timeout).first ?? .null
    }

    /// Every event the server sends, decoded, in arrival order; it ends when the connection
    /// closes. One consumer at a time: events are delivered once.
    public var events: AsyncStream<ReceivedArenaEvent> {
        let stream = socket.events
        return AsyncStream { continuation in
            let task = Task {
                for await event in stream {
                    continuation.yield(ReceivedArenaEvent(name: event.name, payload: event.args.first ?? .null))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The next event of type `Event` (others stay buffered for ``events``).
    public func next<Event: ServerEvent>(_ type: Event.Type, timeout: Duration = .seconds(10)) async throws -> Event {
        let event = try await socket.next(Event.name, timeout: timeout)
        return try ArenaJSON.decode(Event.self, from: event.args.first ?? .null)
    }

    /// Leaves, closing the connection.
    public func disconnect() async {
        await socket.disconnect()
    }

    /// Waits for the connection to close (either side) and returns why.
    public func waitForDisconnect() async -> SocketIODisconnectReason? {
        try? await socket.waitForDisconnect(timeout: nil)
    }

    /// A value as the JSON the wire carries (the protocol's conventions: dates, key order).
    public static func json(_ value: some Encodable) throws -> JSONValue {
        try JSONParser.parse(try ArenaJSON.encode(value))
    }

    static func throwIfRefused(_ ack: JSONValue) throws {
        guard ack["ok"]?.boolValue == false else { return }
        let error = ack["error"]
        throw ArenaError(
            ErrorCode(rawValue: error?["code"]?.stringValue ?? "ERROR"), error?["message"]?.stringValue ?? "",
            retryAfterMs: error?["retryAfterMs"]?.intValue.map { Int($0) })
    }
}
