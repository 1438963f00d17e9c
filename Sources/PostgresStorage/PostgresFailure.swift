import ArenaStorage
import PostgresNIO

/// What an error from postgres-nio means for the transaction that met it, and so for the caller:
/// the runtime acts on ``SQLError``, never on the driver's types.
enum PostgresFailure: Error {
    /// No usable connection: PostgreSQL is down, restarting, refusing connections, or the
    /// connection broke. The connection is not used again; the next call makes a new one.
    case connection(String)
    /// A serialization failure or a deadlock: PostgreSQL rolled the transaction back, and running
    /// it again from the start may well succeed.
    case conflict(String)
    /// The statement was refused; the connection is fine.
    case statement(SQLError)

    init(_ error: any Error) {
        switch error {
        case let failure as PostgresFailure: self = failure
        case let error as SQLError: self = .statement(error)
        case let error as PSQLError: self = Self.classify(error)
        default:
            // Anything else comes from the network layer below the driver (a channel or socket error,
            // an event loop shut down): the connection is unusable.
            self = .connection(String(describing: error))
        }
    }

    /// The error the caller sees.
    var sqlError: SQLError {
        switch self {
        case .connection(let message): .unavailable(message)
        case .conflict(let message): .unavailable(message)
        case .statement(let error): error
        }
    }

    var isConnectionLost: Bool {
        if case .connection = self { true } else { false }
    }

    private static func classify(_ error: PSQLError) -> PostgresFailure {
        switch error.code {
        case .server:
            let info = error.serverInfo
            let state = info?[.sqlState] ?? ""
            var message = info?[.message] ?? "unknown server error"
            if let detail = info?[.detail] { message += " (\(detail))" }
            message += " [SQLSTATE \(state)]"
            switch state {
            case "23505": return .statement(.uniqueViolation(message))
            case "40001", "40P01": return .conflict(message)
            // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
            case "57P01", "57P02", "57P03", "53300": return .connection(message)
            case let state where state.hasPrefix("08"): return .connection(message)  // connection_exception
            default: return .statement(.failed(message))
            }
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown,
            .messageDecodingFailure, .unexpectedBackendMessage:
            // The driver closes a connection whose protocol state it no longer trusts.
            return .connection(summary(error))
        default:
            // Authentication and configuration problems: retrying as is will not help.
            return .statement(.failed(summary(error)))
        }
    }

    /// The driver's code and the error under it. A `PSQLError`'s `description` says nothing, on
    /// purpose (it could reach end users); the server's message is what an operator needs.
    private static func summary(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] { return "\(error.code): \(message)" }
        guard let underlying = error.underlying else { return "\(error.code)" }
        if let inner = underlying as? PSQLError { return "\(error.code): \(summary(inner))" }
        return "\(error.code): \(String(describing: underlying))"
    }
}
