import ArenaStorage
import Logging
import PostgresNIO

/// A leased connection inside a transaction, seen as an ``SQLConnection``: statements with `?`
/// placeholders, run one at a time from the calling thread.
///
/// On PostgreSQL a failed statement aborts the whole transaction: the statements after it fail
/// too, and its COMMIT rolls back. The connection remembers what happened so that the transaction
/// can tell a conflict worth retrying, a lost connection and a rollback the body did not report.
final class PostgresSQLConnection: SQLConnection {
    let connection: PostgresConnection
    private let logger: Logger

    /// The first serialization failure or deadlock the transaction met.
    private(set) var conflict: String?
    /// The first error a statement met: the transaction is aborted from then on.
    private(set) var firstError: SQLError?
    /// Whether the connection broke: it must not be used again.
    private(set) var isLost = false

    var dialect: SQLDialect { .postgres }

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    func execute(sql: String, arguments: [any SQLValueConvertible]) throws -> Int {
        try run(sql, arguments).metadata.rows ?? 0
    }

    func fetchRows(sql: String, arguments: [any SQLValueConvertible]) throws -> [SQLRow] {
        try run(sql, arguments).rows.map(PostgresValues.row)
    }

    /// Runs one statement; throws an ``SQLError``.
    func run(_ sql: String, _ arguments: [any SQLValueConvertible] = []) throws -> PostgresQueryResult {
        let (numbered, placeholders) = Placeholders.numbered(sql)
        guard placeholders == arguments.count else {
            throw SQLError.failed("\(placeholders) placeholders but \(arguments.count) arguments in: \(sql)")
        }
        do {
            let query = PostgresQuery(unsafeSQL: numbered, binds: PostgresValues.bindings(arguments))
            return try connection.query(query, logger: logger).waitSynchronously()
        } catch {
            throw record(PostgresFailure(error)).sqlError
        }
    }

    /// Ends the transaction with ROLLBACK; whether the connection can serve another one.
    func rollback() -> Bool {
        guard !isLost else { return false }
        do {
            _ = try connection.query("ROLLBACK", logger: logger).waitSynchronously()
            return true
        } catch {
            logger.debug("ROLLBACK failed", metadata: ["error": "\(PostgresFailure(error).sqlError)"])
            return false
        }
    }

    @discardableResult
    private func record(_ failure: PostgresFailure) -> PostgresFailure {
        switch failure {
        case .connection: isLost = true
        case .conflict(let message): conflict = conflict ?? message
        case .statement: break
        }
        if firstError == nil { firstError = failure.sqlError }
        return failure
    }
}
