import Foundation

/// Reading one leaf value as the type asked for, with Foundation's errors.
extension JSONValueDecoderImpl {
    /// Types read from the value itself rather than through their own `init(from:)`: the common
    /// leaves (an `[Int]` or `[String: String]` asks for its elements generically), and the types
    /// Foundation's `JSONDecoder` special-cases. `nil` for every other type.
    func special<T: Decodable>(_ type: T.Type, from value: JSONValue, at path: JSONCodingPath) throws -> T? {
        if T.self == String.self { return try Self.string(value, at: path) as? T }
        if T.self == Int.self { return try Self.integer(value, at: path) as Int as? T }
        if T.self == Bool.self { return try Self.bool(value, at: path) as? T }
        if T.self == Double.self { return try Self.double(value, at: path) as? T }
        if T.self == Int64.self { return try Self.integer(value, at: path) as Int64 as? T }
        if T.self == JSONValue.self { return value as? T }
        if case .null = value, T.self == Date.self || T.self == Data.self || T.self == URL.self || T.self == Decimal.self {
            throw Self.mismatch(T.self, value, at: path)
        }
        if T.self == Date.self, let parse = options.dateParser { return try Self.date(value, at: path, parse) as? T }
        if T.self == Data.self { return try Self.data(value, at: path) as? T }
        if T.self == [UInt8].self, case .binary(let bytes) = value { return bytes as? T }
        if T.self == URL.self { return try Self.url(value, at: path) as? T }
        if T.self == Decimal.self { return try Self.decimal(value, at: path) as? T }
        return nil
    }

    /// Foundation reports a null where a `Bool` is needed as a type mismatch, unlike every other type.
    static func bool(_ value: JSONValue, at path: JSONCodingPath) throws -> Bool {
        guard case .bool(let bool) = value else {
            throw DecodingError.typeMismatch(
                Bool.self,
                .init(
                    codingPath: path.keys, debugDescription: "Expected to decode Bool but found \(value.kind) instead."))
        }
        return bool
    }

    static func string(_ value: JSONValue, at path: JSONCodingPath) throws -> String {
        guard case .string(let string) = value else { throw mismatch(String.self, value, at: path) }
        return string
    }

    /// Doubles below 2^53 are whole numbers exactly when they look like one; above, the parser
    /// may already have rounded away digits, so they are refused rather than trusted.
    static let largestExactInteger: Double = 0x1p53

    static func integer<T: FixedWidthInteger>(_ value: JSONValue, at path: JSONCodingPath) throws -> T {
        switch value {
        case .int(let int):
            guard let result = T(exactly: int) else { throw corrupted(at: path, "Number \(int) does not fit in \(T.self).") }
            return result
        case .double(let double):
            guard let result = T(exactly: double) else { throw corrupted(at: path, "Number \(double) does not fit in \(T.self).") }
            guard double.magnitude < largestExactInteger else {
                throw corrupted(at: path, "Number \(double) is too large to be read as an exact \(T.self).")
            }
            return result
        default:
            throw mismatch(T.self, value, at: path)
        }
    }

    static func double(_ value: JSONValue, at path: JSONCodingPath) throws -> Double {
        switch value {
        case .int(let int): return Double(int)
        case .double(let double) where double.isFinite: return double
        case .double(let double): throw corrupted(at: path, "Number \(double) does not fit in Double.")
        default: throw mismatch(Double.self, value, at: path)
        }
    }

    static func float(_ value: JSONValue, at path: JSONCodingPath) throws -> Float {
        switch value {
        case .int(let int): return Float(int)
        case .double(let double):
            let float = Float(double)
            guard float.isFinite else { throw corrupted(at: path, "Number \(double) does not fit in Float.") }
            return float
        default: throw mismatch(Float.self, value, at: path)
        }
    }

    static func date(_ value: JSONValue, at path: JSONCodingPath, _ parse: (String) -> Date?) throws -> Date {
        let text = try string(value, at: path)
        guard let date = parse(text) else { throw corrupted(at: path, "\"\(text)\" is not a date in the expected format.") }
        return date
    }

    /// An attachment as it is, or a string as Base64 (Foundation's default for `Data`).
    static func data(_ value: JSONValue, at path: JSONCodingPath) throws -> Data {
        if case .binary(let bytes) = value { return Data(bytes) }
        guard let data = Data(base64Encoded: try string(value, at: path)) else {
            throw corrupted(at: path, "Encountered Data is not valid Base64.")
        }
        return data
    }

    static func url(_ value: JSONValue, at path: JSONCodingPath) throws -> URL {
        guard let url = URL(string: try string(value, at: path)) else { throw corrupted(at: path, "Invalid URL string.") }
        return url
    }

    /// From the number's shortest text, so `0.1` is the decimal 0.1 and not the double nearest it.
    static func decimal(_ value: JSONValue, at path: JSONCodingPath) throws -> Decimal {
        switch value {
        case .int(let int): return Decimal(int)
        case .double(let double) where double.isFinite: return Decimal(string: "\(double)") ?? Decimal(double)
        case .double(let double): throw corrupted(at: path, "Number \(double) does not fit in Decimal.")
        default: throw mismatch(Decimal.self, value, at: path)
        }
    }

    // MARK: Errors

    /// Foundation's error for a value of the wrong kind: `valueNotFound` when it is null,
    /// `typeMismatch` naming the expected type otherwise.
    static func mismatch(_ type: Any.Type, _ value: JSONValue, at path: JSONCodingPath) -> DecodingError {
        if case .null = value {
            return .valueNotFound(
                type,
                .init(
                    codingPath: path.keys, debugDescription: "Cannot get value of type \(type) -- found null value instead"))
        }
        return .typeMismatch(type, .init(codingPath: path.keys, debugDescription: "Expected to decode \(type) but found \(value.kind) instead."))
    }

    static func corrupted(at path: JSONCodingPath, _ description: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: path.keys, debugDescription: description))
    }
}

extension JSONValue {
    /// How Foundation names a JSON value's kind in its error messages.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int, .double: "number"
        case .string: "a string"
        case .array: "an array"
        case .object: "a dictionary"
        case .binary: "binary data"
        }
    }
}
