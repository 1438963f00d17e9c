import Foundation

/// Copies an arena from one database to another (`moltarena db copy`): every table the
/// migrations create, in the order they create them (so a row's references are copied before
/// it), all in one transaction of the destination, so a failed copy leaves it as it was. The
/// destination must be migrated and empty; values are converted to its column types (SQLite
/// keeps dates as text, PostgreSQL as `timestamptz`).
public struct SQLCopy {
    public let source: any SQLDatabase
    public let destination: any SQLDatabase
    public let migrations: [SQLMigration]
    /// Rows read from the source at a time.
    public var batchSize = 500

    public init(from source: any SQLDatabase, to destination: any SQLDatabase, migrations: [SQLMigration]) {
        self.source = source
        self.destination = destination
        self.migrations = migrations
    }

    /// The tables the migrations create, in creation order.
    public var tables: [String] {
        var names: [String] = []
        for migration in migrations {
            for statement in migration.statements(destination.dialect) {
                if let name = Self.createdTable(statement), !names.contains(name) { names.append(name) }
            }
        }
        return names
    }

    /// Copies every table; returns the number of rows copied per table, in order.
    @discardableResult
    public func run() throws -> [(table: String, rows: Int)] {
        let tables = self.tables
        return try destination.write { target in
            for table in tables {
                let present = try Int.fetchOne(target, sql: "SELECT COUNT(*) FROM \(table)") ?? 0
                guard present == 0 else {
                    throw SQLError.failed("the destination's table \(table) already has \(present) rows: copy into a new, empty database")
                }
            }
            var copied: [(table: String, rows: Int)] = []
            for table in tables {
                let dates = try Self.dateColumns(of: table, in: target)
                var offset = 0
                while true {
                    let rows = try source.read { from in
                        try SQLRow.fetchAll(
                            from, sql: "SELECT * FROM \(table) ORDER BY \(from.dialect.physicalOrder) LIMIT ? OFFSET ?",
                            arguments: [batchSize, offset])
                    }
                    for row in rows {
                        let marks = Array(repeating: "?", count: row.columns.count).joined(separator: ", ")
                        let values = try zip(row.columns, row.values).map { column, value in
                            dates.contains(column) ? try Self.date(value) : value
                        }
                        try target.execute(sql: "INSERT INTO \(table) (\(row.columns.joined(separator: ", "))) VALUES (\(marks))", arguments: values)
                    }
                    offset += rows.count
                    if rows.count < batchSize { break }
                }
                copied.append((table, offset))
            }
            return copied
        }
    }

    /// The table a `CREATE TABLE` statement creates, if it is one.
    static func createdTable(_ statement: String) -> String? {
        let words = statement.split(whereSeparator: \.isWhitespace).map { $0.uppercased() }
        guard words.count >= 3, words[0] == "CREATE", words[1] == "TABLE" else { return nil }
        let name = words.count >= 6 && words[2] == "IF" && words[3] == "NOT" && words[4] == "EXISTS" ? 5 : 2
        let original = statement.split(whereSeparator: \.isWhitespace)[name]
        return String(original.prefix { $0.isLetter || $0.isNumber || $0 == "_" }).lowercased()
    }

    /// The columns of `table` that hold dates, as the destination declares them.
    static func dateColumns(of table: String, in db: any SQLConnection) throws -> Set<String> {
        switch db.dialect {
        case .sqlite:
            let columns = try SQLRow.fetchAll(db, sql: "SELECT name, type FROM pragma_table_info(?)", arguments: [table])
            return Set(
                try columns.filter { row in
                    let type = (try row["type"] as String).uppercased()
                    return type.contains("DATE") || type.contains("TIME")
                }.map { try $0["name"] })
        case .postgres:
            let columns = try SQLRow.fetchAll(
                db,
                sql: """
                    SELECT column_name FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = ? AND data_type LIKE 'timestamp%'
                    """, arguments: [table])
            return Set(try columns.map { try $0["column_name"] })
        }
    }

    static func date(_ value: SQLValue) throws -> SQLValue {
        value == .null ? .null : .date(try Date.fromSQL(value))
    }
}

extension SQLDialect {
    /// An order that pages through a table's rows as they are stored (the copy reads a database
    /// nothing else writes to).
    var physicalOrder: String { self == .sqlite ? "rowid" : "ctid" }
}
