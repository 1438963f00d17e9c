import ArenaStorage
import Foundation
import NIOCore
import PostgresNIO

/// How ``SQLValue``s travel to and from PostgreSQL: bound with the type each case maps to (so
/// `SELECT ?` has a type), read by the column's type into the case a store expects, the same as
/// SQLite gives for the types the arena's schemas use.
enum PostgresValues {
    static func bindings(_ arguments: [any SQLValueConvertible]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument.sqlValue {
            case .null: bindings.appendNull()
            case .integer(let int): bindings.append(int)
            case .real(let double): bindings.append(double)
            case .text(let text): bindings.append(text)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            case .date(let date): bindings.append(Timestamp(date: date))
            }
        }
        return bindings
    }

    /// A row's cells, read by their data type. Types outside the arena's schemas come as the
    /// library's text reading of them (exact for text-like types: json, uuid, enums); a store
    /// that wants another reading casts in its SQL (`::text`).
    static func row(_ row: PostgresRow) throws -> SQLRow {
        var columns: [String] = []
        var values: [SQLValue] = []
        columns.reserveCapacity(row.count)
        values.reserveCapacity(row.count)
        for cell in row {
            columns.append(cell.columnName)
            values.append(try value(cell))
        }
        return SQLRow(columns: columns, values: values)
    }

    static func value(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        do {
            switch cell.dataType {
            case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
            case .float4, .float8: return .real(try cell.decode(Double.self))
            case .numeric:
                let decimal = try cell.decode(Decimal.self)
                guard let double = Double("\(decimal)") else {
                    throw SQLError.typeMismatch("column \(cell.columnName): numeric \(decimal) is not a number")
                }
                return .real(double)
            case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
            case .text, .varchar, .bpchar, .name: return .text(try cell.decode(String.self))
            case .bytea: return .blob(Array(buffer: try cell.decode(ByteBuffer.self)))
            case .timestamptz, .timestamp: return .date(try cell.decode(Date.self))
            default: return .text(try cell.decode(String.self))
            }
        } catch let error as PostgresDecodingError {
            throw SQLError.typeMismatch("column \(cell.columnName) of type \(cell.dataType): \(error.code)")
        }
    }
}

/// A `timestamptz` parameter, in microseconds since 2000-01-01 UTC (PostgreSQL's binary form),
/// rounded to the nearest microsecond. postgres-nio's own encoding of `Date` truncates toward
/// that epoch, so a date could come back a microsecond off (1999-12-31 23:59:59.999999 as
/// 2000-01-01 00:00:00), and a store comparing what it wrote with what it reads would see two dates.
struct Timestamp: PostgresNonThrowingEncodable {
    static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)

    let date: Date

    static var psqlType: PostgresDataType { .timestamptz }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        let microseconds = (date.timeIntervalSince(Self.postgresEpoch) * 1_000_000).rounded()
        byteBuffer.writeInteger(Int64(microseconds))
    }
}
