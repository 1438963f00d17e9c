import NIOConcurrencyHelpers
import Runtime

/// A database that tests can cut off: while ``isReachable`` is false every transaction fails
/// with `SQLError.unavailable` before it starts, as a PostgreSQL server that is down or
/// restarting does. In-process tests of what clients are told, and of what is kept, then.
public final class UnreachableDatabase: SQLDatabase {
    private let base: any SQLDatabase
    private let reachable = NIOLockedValueBox(true)

    public init(_ base: any SQLDatabase) {
        self.base = base
    }

    public var isReachable: Bool {
        get { reachable.withLockedValue { $0 } }
        set { reachable.withLockedValue { $0 = newValue } }
    }

    public var dialect: SQLDialect { base.dialect }

    public func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try check()
        return try base.read(body)
    }

    @discardableResult
    public func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try check()
        return try base.write(body)
    }

    public func migrate(_ migrations: [SQLMigration]) throws {
        try check()
        try base.migrate(migrations)
    }

    public func appliedMigrations() throws -> Set<String> {
        try check()
        return try base.appliedMigrations()
    }

    public func ping() -> Bool { isReachable && base.ping() }

    private func check() throws {
        guard isReachable else { throw SQLError.unavailable("the test cut the database off") }
    }
}
