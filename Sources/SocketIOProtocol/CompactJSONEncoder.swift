import Foundation

/// Encodes `Encodable` values to compact JSON bytes, byte for byte as Foundation's `JSONEncoder`
/// does with `outputFormatting = [.sortedKeys, .withoutEscapingSlashes]`.
///
/// The server encodes every event it sends; Foundation's encoder is a class with locked options,
/// and building one per event, or sharing one across threads, both cost. This one is a value with
/// nothing to lock, and writes the bytes itself.
///
/// Byte for byte means: object keys sorted by their UTF-8 bytes; a key written twice keeps its
/// last value (and its first spelling, as a Swift dictionary would); integers as digits; doubles
/// and floats as their shortest `description` without a trailing `.0` (`5`, `0.25`, `1e+21`);
/// NaN and infinity refused with `EncodingError.invalidValue`; strings escaped as
/// ``JSONWriter`` escapes them; `Data` as Base64, `URL` as its absolute string, `Decimal` as a
/// number; a value that encodes nothing is `{}` (and an error at the top level). A ``JSONValue``
/// is written as its own `Encodable` conformance would write it, without going through containers.
public struct CompactJSONEncoder: Sendable {
    /// Built once, so that encoding allocates nothing for the settings.
    private var options: Options

    /// Writes a `Date` as a JSON string. Without one, dates encode as `Date`'s own `Encodable`
    /// form (seconds since 2001 as a number).
    public var dateFormatter: (@Sendable (Date) -> String)? {
        get { options.dateFormatter }
        set { options = Options(dateFormatter: newValue, userInfo: options.userInfo) }
    }

    /// Handed to the encoded types as `Encoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] {
        get { options.userInfo }
        set { options = Options(dateFormatter: options.dateFormatter, userInfo: newValue) }
    }

    public init(dateFormatter: (@Sendable (Date) -> String)? = nil, userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        options = Options(dateFormatter: dateFormatter, userInfo: userInfo)
    }

    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(128)
        try encode(value, into: &output)
        return output
    }

    /// Appends the JSON of `value` to `output`. On error, `output` may hold part of it.
    public func encode<T: Encodable>(_ value: T, into output: inout [UInt8]) throws {
        let encoder = CompactJSONEncoderImpl(options: options, path: .root)
        guard let node = try encoder.wrap(value, at: .root) else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "Top-level \(T.self) did not encode any values."))
        }
        do {
            try CompactJSONWriter.write(node, into: &output, depth: 0)
        } catch is CompactJSONWriter.TooDeep {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "Unable to encode the given top-level value to JSON."))
        }
    }

    /// The settings every nested encoder shares, by reference.
    final class Options: Sendable {
        let dateFormatter: (@Sendable (Date) -> String)?
        let userInfo: [CodingUserInfoKey: any Sendable]

        init(dateFormatter: (@Sendable (Date) -> String)?, userInfo: [CodingUserInfoKey: any Sendable]) {
            self.dateFormatter = dateFormatter
            self.userInfo = userInfo
        }
    }
}

/// What has been encoded so far: a tree written out once encoding is over, because sorted keys
/// cannot be written before all of an object's keys are known, and a container handed out may be
/// written to after its parent moved on.
enum EncodedNode {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    /// Already formatted: floating-point numbers, `Decimal`, 128-bit integers.
    case number(String)
    case string(String)
    case json(JSONValue)
    case array(EncodedArray)
    case object(EncodedObject)
    /// A super encoder's value, read when writing (Foundation reads it when the encoder is freed).
    case deferred(CompactJSONEncoderImpl)
}

final class EncodedArray {
    var items: [EncodedNode]

    init(_ items: [EncodedNode] = []) { self.items = items }
}

/// Members in the order they were encoded, repeats included; the writer sorts and deduplicates.
final class EncodedObject {
    var members: [(key: String, value: EncodedNode)]

    init(_ members: [(key: String, value: EncodedNode)] = []) {
        self.members = members
        self.members.reserveCapacity(8)  // one allocation for most structs, instead of one per doubling
    }

    func set(_ value: EncodedNode, for key: String) {
        members.append((key, value))
    }

    /// The object under `key` to encode more into: the one already there (Foundation merges two
    /// nested containers for one key), else a new one that replaces whatever the key held.
    func nestedObject(for key: String) -> EncodedObject {
        switch members.last(where: { $0.key == key })?.value {
        case .object(let object)?: return object
        case .json(.object(let members))?: return adding(EncodedObject(members.map { ($0.key, .json($0.value)) }), for: key)
        default: return adding(EncodedObject(), for: key)
        }
    }

    func nestedArray(for key: String) -> EncodedArray {
        switch members.last(where: { $0.key == key })?.value {
        case .array(let array)?: return array
        case .json(.array(let items))?: return adding(EncodedArray(items.map { .json($0) }), for: key)
        default: return adding(EncodedArray(), for: key)
        }
    }

    private func adding(_ object: EncodedObject, for key: String) -> EncodedObject {
        set(.object(object), for: key)
        return object
    }

    private func adding(_ array: EncodedArray, for key: String) -> EncodedArray {
        set(.array(array), for: key)
        return array
    }
}
