import Foundation
import GRDB

/// SQLite through GRDB: a WAL-mode pool on a file for the server, an in-memory queue for tests.
/// Migrations are GRDB's (its `grdb_migrations` table), so databases created before this layer
/// keep their history.
public struct SQLiteDatabase: SQLDatabase {
    public let writer: any DatabaseWriter
    public var dialect: SQLDialect { .sqlite }

    public init(writer: any DatabaseWriter) {
        self.writer = writer
    }

    /// Opens (creating if needed) the database file. WAL lets readers run beside the writer; the
    /// busy timeout absorbs a second process (a CLI command or another instance) writing at the
    /// same moment.
    public static func open(path: String) throws -> SQLiteDatabase {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = true
        do {
            return SQLiteDatabase(writer: try DatabasePool(path: path, configuration: configuration))
        } catch {
            throw Self.translate(error)
        }
    }

    /// A private in-memory database (tests).
    public static func inMemory() throws -> SQLiteDatabase {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        return SQLiteDatabase(writer: try DatabaseQueue(configuration: configuration))
    }

    public func read<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try run { try writer.read { db in try body(GRDBConnection(db: db)) } }
    }

    @discardableResult
    public func write<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try run { try writer.write { db in try body(GRDBConnection(db: db)) } }
    }

    public func migrate(_ migrations: [SQLMigration]) throws {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.name) { db in
                for statement in migration.statements(.sqlite) { try db.execute(sql: statement) }
            }
        }
        try run { try migrator.migrate(writer) }
    }

    public func appliedMigrations() throws -> Set<String> {
        try run { try writer.read { db in try DatabaseMigrator().appliedIdentifiers(db) } }
    }

    public func ping() -> Bool {
        (try? writer.read { db in try Int.fetchOne(db, sql: "SELECT 1") }) == 1
    }

    private func run<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw Self.translate(error)
        }
    }

    static func translate(_ error: any Error) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        switch error.resultCode {
        case .SQLITE_CONSTRAINT
        where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
            || error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY:
            return SQLError.uniqueViolation(error.message ?? "\(error)")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return SQLError.unavailable(error.message ?? "\(error)")
        default:
            return SQLError.failed("\(error)")
        }
    }
}

/// A GRDB database handle seen as an ``SQLConnection``.
struct GRDBConnection: SQLConnection {
    let db: GRDB.Database
    var dialect: SQLDialect { .sqlite }

    func execute(sql: String, arguments: [any SQLValueConvertible]) throws -> Int {
        try db.execute(sql: sql, arguments: Self.arguments(arguments))
        return db.changesCount
    }

    func fetchRows(sql: String, arguments: [any SQLValueConvertible]) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        let columns = statement.columnNames
        return try Row.fetchAll(statement, arguments: Self.arguments(arguments)).map { row in
            SQLRow(columns: columns, values: row.databaseValues.map(Self.value))
        }
    }

    static func arguments(_ values: [any SQLValueConvertible]) -> StatementArguments {
        StatementArguments(values.map { databaseValue($0.sqlValue) })
    }

    static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let int): int.databaseValue
        case .real(let double): double.databaseValue
        case .text(let text): text.databaseValue
        case .blob(let bytes): Data(bytes).databaseValue
        case .date(let date): date.databaseValue
        }
    }

    static func value(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let int): .integer(int)
        case .double(let double): .real(double)
        case .string(let text): .text(text)
        case .blob(let data): .blob(Array(data))
        }
    }
}
