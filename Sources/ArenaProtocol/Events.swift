import Foundation

/// An event the server sends. The wire name lives here, once, on the type.
///
/// ```swift
/// struct Pong: ServerEvent { static let name = "pong"; var serverTime: Date }
/// ```
public protocol ServerEvent: Codable, Sendable {
    static var name: String { get }
}

/// An event a client sends, with the reply it gets on success.
///
/// The payload is the event's first argument, decoded before any handler runs; a payload that
/// does not decode, or that `validate()` refuses, is answered with INVALID_PAYLOAD. Names are
/// imperatives (`JoinBattle`), replies are facts (`BattleConnected`).
public protocol ClientEvent: Codable, Sendable {
    associatedtype Reply: ServerEvent
    static var name: String { get }
    /// The codes this event may be refused with besides those of every event
    /// (``ErrorCode/everyEvent``): the protocol document lists them.
    static var errors: [ErrorCode] { get }
    /// Checks what decoding cannot (lengths, ranges). Runs before the handler.
    func validate() throws(ArenaError)
}

extension ClientEvent {
    public static var errors: [ErrorCode] { [] }
    public func validate() throws(ArenaError) {}
}

/// An event of a battle's log: persisted, numbered, and broadcast with its `seq` added to the
/// payload, so a client that rejoins with `sinceSeq` gets what it missed.
public protocol LoggedEvent: ServerEvent {}

/// The `error` event that accompanies every failed client event.
public struct ErrorEvent: ServerEvent {
    public static let name = "error"
    public var code: ErrorCode
    public var message: String
    public var event: String

    public init(code: ErrorCode, message: String, event: String) {
        self.code = code
        self.message = message
        self.event = event
    }
}

/// Sent with RATE_LIMITED so a client knows when to retry.
public struct RateLimitExceeded: ServerEvent {
    public static let name = "rate_limit_exceeded"
    public var event: String
    public var retryAfterMs: Int

    public init(event: String, retryAfterMs: Int) {
        self.event = event
        self.retryAfterMs = retryAfterMs
    }
}

/// `server:shutdown {"reconnectAfterMs"}`: the server is stopping; reconnect after this long
/// (to another instance, or to this one once it is back).
public struct ServerShutdown: ServerEvent {
    public static let name = "server:shutdown"
    public var reconnectAfterMs: Int

    public init(reconnectAfterMs: Int) {
        self.reconnectAfterMs = reconnectAfterMs
    }
}
