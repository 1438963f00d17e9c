import ArenaStorage
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// PostgreSQL as an ``SQLDatabase``: the database several instances of the arena share.
///
/// Every call is synchronous, as the protocol asks: the calling thread leases a connection from a
/// small pool of its own and waits for each statement's future, while postgres-nio does the I/O on
/// the event loop group's loops. It must not be called on one of those loops.
///
/// Failures are ``SQLError``s: a PostgreSQL that is down or restarting makes calls throw
/// ``SQLError/unavailable(_:)`` within about two seconds (the connect timeout), and the first
/// call after it is back works again, on new connections. One case is ambiguous: a connection
/// lost while its COMMIT was on the way is reported unavailable too, though PostgreSQL may have
/// committed, so a write a caller retries had better be idempotent.
///
/// A serialization failure or a deadlock runs the transaction's body again (a few times). Unlike
/// SQLite, a statement that fails aborts the transaction on PostgreSQL: a body that catches the
/// error and goes on gets errors for its next statements, and if it returns normally the write
/// throws rather than commit half of it.
public final class PostgresDatabase: SQLDatabase {
    public let url: PostgresURL
    public var dialect: SQLDialect { .postgres }

    private let pool: ConnectionPool
    let logger: Logger

    /// How long a call waits for a free connection when all are in use.
    static let leaseTimeout: TimeInterval = 5
    /// How long making a connection (TCP and authentication) may take: short, so that a down
    /// database fails calls quickly instead of holding battles up.
    static let connectTimeout: TimeAmount = .seconds(2)
    /// How long `ping()` waits for a connection, then for its answer.
    static let pingTimeout: TimeInterval = 2
    /// How many times a transaction is run when it keeps meeting serialization failures or deadlocks.
    static let conflictAttempts = 4

    /// `url` is `postgres://USER:PASSWORD@HOST:PORT/DATABASE` (see ``PostgresURL``). Nothing
    /// connects yet: connections are made on first use, at most `poolSize` of them.
    public convenience init(url: String, eventLoopGroup: any EventLoopGroup, logger: Logger, poolSize: Int = 8) throws {
        try self.init(url: PostgresURL(url), eventLoopGroup: eventLoopGroup, logger: logger, poolSize: poolSize)
    }

    public init(url: PostgresURL, eventLoopGroup: any EventLoopGroup, logger: Logger, poolSize: Int = 8) {
        var configuration = PostgresConnection.Configuration(
            host: url.host,
            port: url.port,
            username: url.username,
            password: url.password,
            database: url.database,
            tls: .disable
        )
        configuration.options.connectTimeout = Self.connectTimeout
        if let schema = url.schema { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        self.url = url
        self.logger = logger
        self.pool = ConnectionPool(capacity: poolSize, configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// A transaction that sees one snapshot of the database and cannot write.
    public func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try transaction(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// A read-committed transaction: a statement sees what was committed before it started, and a
    /// row read with `dialect.lockingRead` stays locked until the end of the transaction.
    @discardableResult
    public func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try transaction(begin: "BEGIN", body)
    }

    public func ping() -> Bool {
        do {
            let connection = try started(with: "SELECT 1", leaseTimeout: Self.pingTimeout, queryTimeout: Self.pingTimeout)
            pool.release(connection, reusable: true)
            return true
        } catch {
            return false
        }
    }

    /// Closes the connections. Calls made afterwards throw ``SQLError/unavailable(_:)``.
    public func shutdown() {
        pool.shutdown()
    }

    /// The connections close with the last reference to the database (a test's harness).
    deinit {
        pool.shutdown()
    }

    // MARK: Transactions

    private func transaction<T>(begin: String, _ body: (any SQLConnection) throws -> T) throws -> T {
        var attempt = 1
        while true {
            do {
                return try runOnce(begin: begin, body)
            } catch PostgresFailure.conflict(let message) {
                guard attempt < Self.conflictAttempts else {
                    throw SQLError.unavailable("gave up after \(attempt) attempts: \(message)")
                }
                logger.debug("transaction conflict, running it again", metadata: ["attempt": "\(attempt)", "error": "\(message)"])
                attempt += 1
            }
        }
    }

    /// One run of a transaction; throws ``PostgresFailure/conflict(_:)`` when it may be run again,
    /// an ``SQLError`` or the body's own error otherwise.
    private func runOnce<T>(begin: String, _ body: (any SQLConnection) throws -> T) throws -> T {
        let connection = PostgresSQLConnection(connection: try started(with: begin), logger: logger)
        var reusable = false
        defer { pool.release(connection.connection, reusable: reusable) }
        let value: T
        do {
            value = try body(connection)
        } catch {
            reusable = connection.rollback()
            if let conflict = connection.conflict { throw PostgresFailure.conflict(conflict) }
            throw error
        }
        let commit: PostgresQueryResult
        do {
            commit = try connection.run("COMMIT")
        } catch {
            reusable = !connection.isLost
            if let conflict = connection.conflict { throw PostgresFailure.conflict(conflict) }
            throw error
        }
        reusable = true
        // COMMIT of a transaction a failed statement aborted rolls back, without an error.
        guard commit.metadata.command != "ROLLBACK" else {
            if let conflict = connection.conflict { throw PostgresFailure.conflict(conflict) }
            let cause = connection.firstError.map { "\($0)" } ?? "an earlier statement failed"
            throw SQLError.failed("the transaction was rolled back, its body went on after an error: \(cause)")
        }
        return value
    }

    /// A leased connection on which `sql` (the transaction's BEGIN, or ping's query) has run. A
    /// pooled connection the server closed while it was idle (a restart) is dropped and the next
    /// one tried: nothing ran on it, so the caller need not know.
    private func started(
        with sql: String,
        leaseTimeout: TimeInterval = PostgresDatabase.leaseTimeout,
        queryTimeout: TimeInterval? = nil
    ) throws -> PostgresConnection {
        while true {
            let lease = try pool.lease(within: leaseTimeout)
            let query = lease.connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            do {
                if let queryTimeout {
                    _ = try query.waitSynchronously(closing: lease.connection, after: .milliseconds(Int64(queryTimeout * 1000)))
                } else {
                    _ = try query.waitSynchronously()
                }
                return lease.connection
            } catch {
                let failure = PostgresFailure(error)
                pool.release(lease.connection, reusable: !failure.isConnectionLost)
                if failure.isConnectionLost && !lease.isFresh { continue }
                throw failure.sqlError
            }
        }
    }
}
