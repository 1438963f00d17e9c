import Foundation

/// Decodes `Decodable` types straight from a ``JSONValue``.
///
/// A Socket.IO argument is already parsed into a `JSONValue` by the packet decoder; turning it back
/// into bytes to hand to Foundation's `JSONDecoder` would parse every event twice. This decoder
/// reads the value in place.
///
/// It throws the `DecodingError`s Foundation's `JSONDecoder` throws in the same situations
/// (`keyNotFound` with the key, `typeMismatch` with the expected type, `valueNotFound` for a null
/// where a value is needed), because callers turn them into messages for clients. Two deliberate
/// differences, both about numbers:
///
/// - A number that does not fit the integer type asked for, or has a fraction, is `dataCorrupted`
///   at the number's own coding path. (Foundation reports it with an empty path, as if the whole
///   text were not JSON.)
/// - `JSONValue` keeps integers as `Int64`; a larger integer is parsed as a `Double` and has lost
///   digits, so an integer type accepts a `Double` only below 2^53, where every whole number is
///   exact. Above that it is refused, never rounded.
///
/// Objects with a repeated key decode the first occurrence, as Foundation does. A ``JSONValue/binary(_:)``
/// attachment decodes as `[UInt8]` or `Data`; anything else asked of it is a type mismatch.
public struct JSONValueDecoder: Sendable {
    /// Built once, so that decoding allocates nothing for the settings.
    private var options: Options

    /// Reads a `Date` from a JSON string; `nil` means the text is not a date. A `Date` field whose
    /// text does not parse is `dataCorrupted` at that field. Without a parser, dates decode as
    /// `Date`'s own `Decodable` form (seconds since 2001 as a number).
    public var dateParser: (@Sendable (String) -> Date?)? {
        get { options.dateParser }
        set { options = Options(dateParser: newValue, userInfo: options.userInfo) }
    }

    /// Handed to the decoded types as `Decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] {
        get { options.userInfo }
        set { options = Options(dateParser: options.dateParser, userInfo: newValue) }
    }

    public init(dateParser: (@Sendable (String) -> Date?)? = nil, userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        options = Options(dateParser: dateParser, userInfo: userInfo)
    }

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        let decoder = JSONValueDecoderImpl(value: value, path: .root, options: options)
        return try decoder.unwrap(T.self, from: value, at: .root)
    }

    /// The settings every nested decoder shares, by reference so that going deeper copies nothing.
    final class Options: Sendable {
        let dateParser: (@Sendable (String) -> Date?)?
        let userInfo: [CodingUserInfoKey: any Sendable]

        init(dateParser: (@Sendable (String) -> Date?)?, userInfo: [CodingUserInfoKey: any Sendable]) {
            self.dateParser = dateParser
            self.userInfo = userInfo
        }
    }
}

/// The `Decoder` for one value; also its own single-value container. Containers decode their
/// primitive members without creating one of these, so a flat struct costs one decoder.
final class JSONValueDecoderImpl: Decoder, SingleValueDecodingContainer {
    let value: JSONValue
    let path: JSONCodingPath
    let options: JSONValueDecoder.Options

    init(value: JSONValue, path: JSONCodingPath, options: JSONValueDecoder.Options) {
        self.value = value
        self.path = path
        self.options = options
    }

    var codingPath: [any CodingKey] { path.keys }
    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch value {
        case .object(let members):
            return KeyedDecodingContainer(JSONValueKeyedContainer<Key>(decoder: self, members: members))
        case .null:
            throw DecodingError.valueNotFound(
                [String: Any].self,
                .init(
                    codingPath: codingPath, debugDescription: "Cannot get keyed decoding container -- found null value instead"))
        default:
            throw Self.mismatch([String: Any].self, value, at: path)
        }
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch value {
        case .array(let items):
            return JSONValueUnkeyedContainer(decoder: self, items: items)
        case .null:
            throw DecodingError.valueNotFound(
                [Any].self,
                .init(
                    codingPath: codingPath, debugDescription: "Cannot get unkeyed decoding container -- found null value instead"))
        default:
            throw Self.mismatch([Any].self, value, at: path)
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    // MARK: Single value container

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool { try Self.bool(value, at: path) }
    func decode(_ type: String.Type) throws -> String { try Self.string(value, at: path) }
    func decode(_ type: Double.Type) throws -> Double { try Self.double(value, at: path) }
    func decode(_ type: Float.Type) throws -> Float { try Self.float(value, at: path) }
    func decode(_ type: Int.Type) throws -> Int { try Self.integer(value, at: path) }
    func decode(_ type: Int8.Type) throws -> Int8 { try Self.integer(value, at: path) }
    func decode(_ type: Int16.Type) throws -> Int16 { try Self.integer(value, at: path) }
    func decode(_ type: Int32.Type) throws -> Int32 { try Self.integer(value, at: path) }
    func decode(_ type: Int64.Type) throws -> Int64 { try Self.integer(value, at: path) }
    func decode(_ type: Int128.Type) throws -> Int128 { try Self.integer(value, at: path) }
    func decode(_ type: UInt.Type) throws -> UInt { try Self.integer(value, at: path) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try Self.integer(value, at: path) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try Self.integer(value, at: path) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try Self.integer(value, at: path) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try Self.integer(value, at: path) }
    func decode(_ type: UInt128.Type) throws -> UInt128 { try Self.integer(value, at: path) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if let special = try special(T.self, from: value, at: path) { return special }
        return try T(from: self)
    }

    /// Decodes `T` from a value inside this one (a member or an element) found at `path`.
    func unwrap<T: Decodable>(_ type: T.Type, from value: JSONValue, at path: JSONCodingPath) throws -> T {
        if let special = try special(T.self, from: value, at: path) { return special }
        return try T(from: JSONValueDecoderImpl(value: value, path: path, options: options))
    }
}
