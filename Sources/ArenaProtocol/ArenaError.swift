import HTTPTypes

/// A stable error code clients can match on. Open-ended: each plugin declares its own codes as
/// static members in an extension, next to the logic that raises them.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }

    public static let invalidPayload: ErrorCode = "INVALID_PAYLOAD"
    public static let unknownEvent: ErrorCode = "UNKNOWN_EVENT"
    public static let rateLimited: ErrorCode = "RATE_LIMITED"
    public static let internalError: ErrorCode = "INTERNAL_ERROR"
    public static let notFound: ErrorCode = "NOT_FOUND"
    public static let payloadTooLarge: ErrorCode = "PAYLOAD_TOO_LARGE"
    /// The connection already has as many events waiting for their turn as it may: the event was
    /// dropped unhandled. Not a rate limit: nothing was counted, and waiting for the answers to the
    /// events already sent is enough.
    public static let queueFull: ErrorCode = "QUEUE_FULL"
    /// The database could not be reached (down or restarting): nothing was written, and the
    /// same request may be sent again after `retryAfterMs` (a turn with the same `clientTurnId`).
    public static let databaseUnavailable: ErrorCode = "DATABASE_UNAVAILABLE"
    /// The connection went over its own rate limits too often and is disconnected.
    public static let rateLimitAbuse: ErrorCode = "RATE_LIMIT_ABUSE"

    /// The codes any client event may be refused with, whoever handles it.
    public static let everyEvent: [ErrorCode] = [.invalidPayload, .rateLimited, .queueFull, .databaseUnavailable, .internalError]
    /// The codes of the `error` event that answer no event of a handler (an unknown event name, a
    /// connection disconnected for abuse).
    public static let connectionLevel: [ErrorCode] = [.unknownEvent, .rateLimitAbuse]
}

/// The one error type handlers throw. The dispatcher turns it into the `{ok:false,error}` ack
/// and the `error` event; the HTTP layer into `{"error":{"code","message"}}` with `status`.
/// Any other error becomes INTERNAL_ERROR, logged with its context and never shown raw.
public struct ArenaError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    /// For RATE_LIMITED: when the client may try again.
    public var retryAfterMs: Int?
    /// The HTTP status used when this error answers an HTTP request.
    public var status: HTTPResponse.Status

    public init(_ code: ErrorCode, _ message: String, status: HTTPResponse.Status = .badRequest, retryAfterMs: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.retryAfterMs = retryAfterMs
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func invalidPayload(_ message: String) -> ArenaError {
        ArenaError(.invalidPayload, message)
    }

    public static func rateLimited(event: String, retryAfterMs: Int) -> ArenaError {
        ArenaError(.rateLimited, "too many \(event) requests; retry in \(retryAfterMs) ms", status: .tooManyRequests, retryAfterMs: retryAfterMs)
    }

    /// An event refused because the connection's queue of unanswered events is full.
    public static func queueFull(event: String, limit: Int) -> ArenaError {
        ArenaError(
            .queueFull, "\(limit) events are already waiting on this connection; \(event) was dropped (wait for their answers)",
            status: .serviceUnavailable)
    }

    public static let internalError = ArenaError(.internalError, "internal error", status: .internalServerError)

    public static let databaseUnavailable = ArenaError(
        .databaseUnavailable, "the database is unavailable; nothing was written, retry in 1000 ms", status: .serviceUnavailable,
        retryAfterMs: 1000)
}
