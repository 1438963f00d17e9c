/// The SQL a database speaks. Statements are written once, in the subset both understand
/// (`?` placeholders, `INSERT … ON CONFLICT`, `RETURNING`); the few places that differ ask the
/// dialect.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres

    /// Appended to a `SELECT` of a row the transaction will write on: PostgreSQL locks the row
    /// (`FOR UPDATE`) so that a concurrent writer waits; SQLite has one writer at a time already.
    public var lockingRead: String { self == .postgres ? " FOR UPDATE" : "" }
}

/// A database connection inside a transaction (or a read): what a store's statements run on.
public protocol SQLConnection {
    var dialect: SQLDialect { get }
    /// Runs a statement; returns how many rows it changed.
    @discardableResult
    func execute(sql: String, arguments: [any SQLValueConvertible]) throws -> Int
    /// Runs a query; returns its rows.
    func fetchRows(sql: String, arguments: [any SQLValueConvertible]) throws -> [SQLRow]
}

extension SQLConnection {
    @discardableResult
    public func execute(sql: String) throws -> Int { try execute(sql: sql, arguments: []) }
}

extension SQLRow {
    public static func fetchAll(_ db: any SQLConnection, sql: String, arguments: [any SQLValueConvertible] = []) throws -> [SQLRow] {
        try db.fetchRows(sql: sql, arguments: arguments)
    }

    public static func fetchOne(_ db: any SQLConnection, sql: String, arguments: [any SQLValueConvertible] = []) throws -> SQLRow? {
        try db.fetchRows(sql: sql, arguments: arguments).first
    }
}

extension SQLValueConvertible {
    /// The first column of each row.
    public static func fetchAll(_ db: any SQLConnection, sql: String, arguments: [any SQLValueConvertible] = []) throws -> [Self] {
        try db.fetchRows(sql: sql, arguments: arguments).map { try $0[0] }
    }

    /// The first column of the first row; nil when there is no row or its value is NULL.
    public static func fetchOne(_ db: any SQLConnection, sql: String, arguments: [any SQLValueConvertible] = []) throws -> Self? {
        guard let value = try db.fetchRows(sql: sql, arguments: arguments).first?.values.first, value != .null else { return nil }
        return try Self.fromSQL(value)
    }
}
