import Foundation

/// The `Encoder` for one value, and its own single-value container. Containers encode their
/// primitive members without creating one of these, so a flat struct costs one encoder.
final class CompactJSONEncoderImpl: Encoder, SingleValueEncodingContainer {
    let options: CompactJSONEncoder.Options
    let path: JSONCodingPath
    /// What this encoder holds, once something was encoded into it.
    var value: EncodedNode?

    init(options: CompactJSONEncoder.Options, path: JSONCodingPath) {
        self.options = options
        self.path = path
    }

    var codingPath: [any CodingKey] { path.keys }
    var userInfo: [CodingUserInfoKey: Any] { options.userInfo }

    /// Asking twice gives the same container, as in Foundation; so does asking after a whole object
    /// was encoded as a single value.
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: EncodedObject
        switch value {
        case .object(let existing)?:
            object = existing
        case .json(.object(let members))?:
            object = EncodedObject(members.map { ($0.key, .json($0.value)) })
        case nil:
            object = EncodedObject()
        default:
            preconditionFailure("Attempt to push new keyed encoding container when already previously encoded at this path.")
        }
        value = .object(object)
        return KeyedEncodingContainer(CompactKeyedEncodingContainer<Key>(encoder: self, object: object, path: path))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: EncodedArray
        switch value {
        case .array(let existing)?:
            array = existing
        case .json(.array(let items))?:
            array = EncodedArray(items.map { .json($0) })
        case nil:
            array = EncodedArray()
        default:
            preconditionFailure("Attempt to push new unkeyed encoding container when already previously encoded at this path.")
        }
        value = .array(array)
        return CompactUnkeyedEncodingContainer(encoder: self, array: array, path: path)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    /// Encodes `value`, found at `path`, into a node; `nil` when it encoded nothing. The common
    /// leaves (an `[Int]` or `[String: String]` hands its elements over generically) and the types
    /// Foundation's `JSONEncoder` special-cases are written without an encoder of their own.
    func wrap<T: Encodable>(_ value: T, at path: @autoclosure () -> JSONCodingPath) throws -> EncodedNode? {
        if T.self == String.self, let string = value as? String { return .string(string) }
        if T.self == Int.self, let int = value as? Int { return .int(Int64(int)) }
        if T.self == Bool.self, let bool = value as? Bool { return .bool(bool) }
        if T.self == Double.self, let double = value as? Double { return try Self.number(double, at: path) }
        if T.self == Int64.self, let int = value as? Int64 { return .int(int) }
        if T.self == JSONValue.self, let json = value as? JSONValue { return .json(json) }
        if T.self == Date.self, let format = options.dateFormatter, let date = value as? Date { return .string(format(date)) }
        if T.self == Data.self, let data = value as? Data { return .string(data.base64EncodedString()) }
        if T.self == URL.self, let url = value as? URL { return .string(url.absoluteString) }
        if T.self == Decimal.self, let decimal = value as? Decimal { return .number(decimal.description) }
        let encoder = CompactJSONEncoderImpl(options: options, path: path())
        try value.encode(to: encoder)
        return encoder.value
    }

    /// A finite number in Foundation's spelling; NaN and infinity are Foundation's error.
    static func number<F: BinaryFloatingPoint & CustomStringConvertible>(_ number: F, at path: () -> JSONCodingPath) throws -> EncodedNode {
        guard number.isFinite else {
            throw EncodingError.invalidValue(
                number,
                .init(
                    codingPath: path().keys, debugDescription: "Unable to encode \(F.self).\(number) directly in JSON."))
        }
        return .number(CompactJSONWriter.format(number))
    }

    // MARK: Single value container

    private func set(_ node: EncodedNode) {
        precondition(value == nil, "Attempt to encode value through single value container when previously value already encoded.")
        value = node
    }

    func encodeNil() { set(.null) }
    func encode(_ value: Bool) { set(.bool(value)) }
    func encode(_ value: String) { set(.string(value)) }
    func encode(_ value: Double) throws { set(try Self.number(value, at: { path })) }
    func encode(_ value: Float) throws { set(try Self.number(value, at: { path })) }
    func encode(_ value: Int) { set(.int(Int64(value))) }
    func encode(_ value: Int8) { set(.int(Int64(value))) }
    func encode(_ value: Int16) { set(.int(Int64(value))) }
    func encode(_ value: Int32) { set(.int(Int64(value))) }
    func encode(_ value: Int64) { set(.int(value)) }
    func encode(_ value: Int128) { set(.number(String(value))) }
    func encode(_ value: UInt) { set(.uint(UInt64(value))) }
    func encode(_ value: UInt8) { set(.uint(UInt64(value))) }
    func encode(_ value: UInt16) { set(.uint(UInt64(value))) }
    func encode(_ value: UInt32) { set(.uint(UInt64(value))) }
    func encode(_ value: UInt64) { set(.uint(value)) }
    func encode(_ value: UInt128) { set(.number(String(value))) }

    func encode<T: Encodable>(_ value: T) throws {
        precondition(self.value == nil, "Attempt to encode value through single value container when previously value already encoded.")
        self.value = try wrap(value, at: path) ?? .object(EncodedObject())
    }
}
