/// A database the arena's stores run on: SQLite (embedded, the default) or PostgreSQL (shared by
/// the instances of several hosts). Reads and writes are synchronous on purpose: a battle's owner
/// runs a transition of its rules and the writes it leads to with no other input in between, so
/// the body of a write must not suspend. Backends never block an event loop: SQLite works on the
/// calling thread, PostgreSQL waits on its connection's future from the calling (owner's) thread.
public protocol SQLDatabase: Sendable {
    var dialect: SQLDialect { get }
    /// Runs `body` in a transaction that sees one state of the database.
    func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// Runs `body` in a transaction: all of its statements or none.
    @discardableResult
    func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T
    /// Applies the migrations not applied yet, in order, each once per database whoever asks.
    func migrate(_ migrations: [SQLMigration]) throws
    /// The names of the migrations applied so far.
    func appliedMigrations() throws -> Set<String>
    /// Whether the database answers now (`/health`).
    func ping() -> Bool
}

/// A named schema change, owned by one plugin. Most are one text for every database, in the
/// types both understand (`TEXT`, `BIGINT`, `DOUBLE PRECISION`, `TIMESTAMPTZ`, `BYTEA`); one
/// that cannot be gives each dialect its own statements.
public struct SQLMigration: Sendable {
    public let name: String
    public let statements: @Sendable (SQLDialect) -> [String]

    public init(_ name: String, _ statements: String...) {
        self.name = name
        self.statements = { _ in statements }
    }

    public init(_ name: String, sqlite: [String], postgres: [String]) {
        self.name = name
        self.statements = { $0 == .sqlite ? sqlite : postgres }
    }
}

/// What went wrong below the stores, in terms the runtime can act on.
public enum SQLError: Error, Sendable, CustomStringConvertible, Equatable {
    /// A stored value is not of the type asked for.
    case typeMismatch(String)
    /// A unique or primary key index refused the row.
    case uniqueViolation(String)
    /// The database cannot be reached now (down, restarting, no connection free in time): the
    /// transaction did not happen and may be retried.
    case unavailable(String)
    /// Any other error the database reported.
    case failed(String)

    public var description: String {
        switch self {
        case .typeMismatch(let message): "type mismatch: \(message)"
        case .uniqueViolation(let message): "unique violation: \(message)"
        case .unavailable(let message): "database unavailable: \(message)"
        case .failed(let message): "database error: \(message)"
        }
    }
}
