import Foundation
import GRDB

/// A value bound to a statement or read from a row, the same for every database the arena runs
/// on. Dates are their own case because the databases keep them differently (SQLite as text,
/// PostgreSQL as `timestamptz`); each backend binds and reads them its own way.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case date(Date)
}

/// A Swift type that goes into and comes out of SQL.
public protocol SQLValueConvertible: Sendable {
    var sqlValue: SQLValue { get }
    /// Throws ``SQLError/typeMismatch(_:)`` when the stored value is not one of this type
    /// (NULL included: only optionals read NULL).
    static func fromSQL(_ value: SQLValue) throws -> Self
}

extension Optional: SQLValueConvertible where Wrapped: SQLValueConvertible {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
    public static func fromSQL(_ value: SQLValue) throws -> Self {
        value == .null ? nil : try Wrapped.fromSQL(value)
    }
}

extension SQLValue: SQLValueConvertible {
    public var sqlValue: SQLValue { self }
    public static func fromSQL(_ value: SQLValue) throws -> SQLValue { value }
}

extension Int64: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(self) }
    public static func fromSQL(_ value: SQLValue) throws -> Int64 {
        switch value {
        case .integer(let int): return int
        case .real(let double) where double.rounded() == double && abs(double) < 9.2e18: return Int64(double)
        default: throw SQLError.typeMismatch("expected an integer, found \(value)")
        }
    }
}

extension Int: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public static func fromSQL(_ value: SQLValue) throws -> Int { Int(try Int64.fromSQL(value)) }
}

extension Double: SQLValueConvertible {
    public var sqlValue: SQLValue { .real(self) }
    public static func fromSQL(_ value: SQLValue) throws -> Double {
        switch value {
        case .real(let double): return double
        case .integer(let int): return Double(int)
        default: throw SQLError.typeMismatch("expected a number, found \(value)")
        }
    }
}

/// Booleans are stored as 0 and 1 on every database (INTEGER columns), so one statement text
/// serves both.
extension Bool: SQLValueConvertible {
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public static func fromSQL(_ value: SQLValue) throws -> Bool { try Int64.fromSQL(value) != 0 }
}

extension String: SQLValueConvertible {
    public var sqlValue: SQLValue { .text(self) }
    public static func fromSQL(_ value: SQLValue) throws -> String {
        guard case .text(let text) = value else { throw SQLError.typeMismatch("expected text, found \(value)") }
        return text
    }
}

extension Data: SQLValueConvertible {
    public var sqlValue: SQLValue { .blob(Array(self)) }
    public static func fromSQL(_ value: SQLValue) throws -> Data {
        guard case .blob(let bytes) = value else { throw SQLError.typeMismatch("expected bytes, found \(value)") }
        return Data(bytes)
    }
}

extension Date: SQLValueConvertible {
    public var sqlValue: SQLValue { .date(self) }
    public static func fromSQL(_ value: SQLValue) throws -> Date {
        switch value {
        case .date(let date): return date
        case .text(let text):
            // As SQLite keeps them (`yyyy-MM-dd HH:mm:ss.SSS` in UTC, GRDB's format), read by GRDB.
            guard let date = Date.fromDatabaseValue(text.databaseValue) else {
                throw SQLError.typeMismatch("expected a date, found \(text)")
            }
            return date
        default: throw SQLError.typeMismatch("expected a date, found \(value)")
        }
    }
}
