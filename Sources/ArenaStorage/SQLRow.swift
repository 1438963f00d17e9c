/// One row of a result, its values by column name (as the statement named them) or position.
public struct SQLRow: Sendable {
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The raw value of a column; `.null` for a column the row does not have.
    public func value(_ column: String) -> SQLValue {
        guard let index = columns.firstIndex(of: column) else { return .null }
        return values[index]
    }

    /// A column's value as `T`; throws when the row has no such column or its value is not a `T`.
    public subscript<T: SQLValueConvertible>(_ column: String) -> T {
        get throws {
            guard let index = columns.firstIndex(of: column) else { throw SQLError.typeMismatch("no column \(column)") }
            do {
                return try T.fromSQL(values[index])
            } catch SQLError.typeMismatch(let message) {
                throw SQLError.typeMismatch("column \(column): \(message)")
            }
        }
    }

    public subscript<T: SQLValueConvertible>(_ index: Int) -> T {
        get throws {
            guard values.indices.contains(index) else { throw SQLError.typeMismatch("no column #\(index)") }
            return try T.fromSQL(values[index])
        }
    }
}
