import Foundation
import SocketIOProtocol

/// The shape of a JSON value, as much of JSON Schema as the protocol's payloads need. Derived
/// from the payload types' own `Decodable` conformance (``PayloadSchema/of(_:)``), so a field
/// is declared once, where the type declares it.
public indirect enum PayloadSchema: Sendable, Hashable {
    /// A string; `format` as JSON Schema names it (`date-time`).
    case string(format: String? = nil)
    /// One of these strings (a `CaseIterable` enum with `String` raw values).
    case oneOf([String])
    case integer
    case number
    case boolean
    case array(PayloadSchema)
    /// An object of any keys, each value of this shape (`[String: V]`).
    case map(PayloadSchema)
    /// An object with these properties. Members it does not name are ignored, as Swift's
    /// decoders ignore them; `open` says they are expected (a ping's fields).
    case object([Property], open: Bool = false)
    /// Any JSON value (a free-form part such as a battle snapshot).
    case anyValue(description: String? = nil)
    /// A schema of the document's `components/schemas`, by name.
    case reference(String)
    /// This, or `null`.
    case nullable(PayloadSchema)

    /// This, or `null` (once).
    public var orNull: PayloadSchema {
        if case .nullable = self { return self }
        return .nullable(self)
    }

    /// One member of an object.
    public struct Property: Sendable, Hashable {
        public var name: String
        public var schema: PayloadSchema
        /// False when the member may be absent (read with `decodeIfPresent`, as Swift reads an
        /// optional property); a member that may be `null` has a ``PayloadSchema/nullable(_:)``
        /// schema.
        public var required: Bool

        public init(_ name: String, _ schema: PayloadSchema, required: Bool = true) {
            self.name = name
            self.schema = schema
            self.required = required
        }
    }

    /// The properties of an object schema (empty for any other).
    public var properties: [Property] {
        if case .object(let properties, _) = self { return properties }
        return []
    }

    /// The schema of `type`, recorded while it decodes itself from a decoder that answers every
    /// request: each key it decodes becomes a property, required unless it was read with
    /// `decodeIfPresent`, nullable when optional. Dates, ``JSONValue``, ``ErrorCode``, `[String: V]` and `CaseIterable`
    /// string enums are recognised by type.
    public static func of<T: Decodable>(_ type: T.Type) throws -> PayloadSchema {
        try SchemaRecorder.describe(type).schema
    }

    /// JSON Schema, as AsyncAPI 3 embeds it. Members in a fixed order.
    public var json: JSONValue {
        switch self {
        case .string(let format):
            return .object([JSONMember("type", .string("string"))] + (format.map { [JSONMember("format", .string($0))] } ?? []))
        case .oneOf(let values):
            return .object(["type": .string("string"), "enum": .array(values.map(JSONValue.string))])
        case .integer: return .object(["type": "integer"])
        case .number: return .object(["type": "number"])
        case .boolean: return .object(["type": "boolean"])
        case .array(let items): return .object(["type": "array", "items": items.json])
        case .map(let values): return .object(["type": "object", "additionalProperties": values.json])
        case .object(let properties, let open):
            var members: [JSONMember] = [JSONMember("type", "object")]
            members.append(JSONMember("properties", .object(properties.map { JSONMember($0.name, $0.schema.json) })))
            let required = properties.filter(\.required).map { JSONValue.string($0.name) }
            if !required.isEmpty { members.append(JSONMember("required", .array(required))) }
            if open { members.append(JSONMember("additionalProperties", true)) }
            return .object(members)
        case .anyValue(let description):
            return .object(description.map { [JSONMember("description", .string($0))] } ?? [])
        case .reference(let name):
            return .object(["$ref": .string("#/components/schemas/" + name)])
        case .nullable(let schema):
            switch schema {
            case .anyValue: return schema.json
            case .reference: return .object(["oneOf": .array([schema.json, .object(["type": "null"])])])
            default:
                guard case .object(var members) = schema.json, let index = members.firstIndex(where: { $0.key == "type" }) else { return schema.json }
                members[index].value = .array([members[index].value, "null"])
                if let values = members.firstIndex(where: { $0.key == "enum" }), case .array(let cases) = members[values].value {
                    members[values].value = .array(cases + [.null])  // an enum admits only what it lists
                }
                return .object(members)
            }
        }
    }
}

/// A payload whose shape its `Decodable` conformance cannot show (one that reads itself as a
/// whole ``JSONValue``): it states the schema instead.
public protocol DeclaresPayloadSchema {
    static var payloadSchema: PayloadSchema { get }
}

// MARK: - The recording decoder

/// What one decoder saw: a keyed container's members, an unkeyed container's element, or a
/// single value. Nested containers are filled after they are handed out, so members keep their
/// node and the schema is read at the end.
private final class SchemaNode {
    struct Member {
        var name: String
        var required: Bool
        var schema: PayloadSchema?
        var node: SchemaNode?
    }

    var members: [Member] = []
    var isKeyed = false
    var element: SchemaNode?
    var elementSchema: PayloadSchema?
    var single: PayloadSchema?

    var schema: PayloadSchema {
        if let single { return single }
        if isKeyed {
            return .object(members.map { PayloadSchema.Property($0.name, $0.schema ?? $0.node?.schema ?? .anyValue(), required: $0.required) })
        }
        if let elementSchema { return .array(elementSchema) }
        if let element { return .array(element.schema) }
        return .anyValue()
    }

    func add(_ key: any CodingKey, schema: PayloadSchema? = nil, node: SchemaNode? = nil, required: Bool) {
        isKeyed = true
        if let index = members.firstIndex(where: { $0.name == key.stringValue }) {
            members[index].required = members[index].required || required
        } else {
            members.append(Member(name: key.stringValue, required: required, schema: schema, node: node))
        }
    }
}

/// `[String: V]`, described by its values' type: decoding one records no keys.
private protocol StringKeyedMap {
    static func describeValues() throws -> (schema: PayloadSchema, empty: Any)
}

/// `Optional<T>`, described as T or null.
private protocol OptionalPayload {
    static func describeWrapped(codingPath: [any CodingKey]) throws -> (schema: PayloadSchema, value: Any)
}

extension Optional: OptionalPayload where Wrapped: Decodable {
    fileprivate static func describeWrapped(codingPath: [any CodingKey]) throws -> (schema: PayloadSchema, value: Any) {
        let wrapped = try SchemaRecorder.describe(Wrapped.self, codingPath: codingPath)
        return (wrapped.schema.orNull, Wrapped?.some(wrapped.value) as Any)
    }
}

extension Dictionary: StringKeyedMap where Key == String, Value: Decodable {
    fileprivate static func describeValues() throws -> (schema: PayloadSchema, empty: Any) {
        (.map(try SchemaRecorder.describe(Value.self).schema), [String: Value]())
    }
}

private enum SchemaRecorder {
    struct Described<T> {
        var schema: PayloadSchema
        var value: T
    }

    nonisolated(unsafe) static let primitives: [ObjectIdentifier: (PayloadSchema, Any)] = [
        ObjectIdentifier(Bool.self): (.boolean, false),
        ObjectIdentifier(String.self): (.string(), ""),
        ObjectIdentifier(Double.self): (.number, 0.0),
        ObjectIdentifier(Float.self): (.number, Float(0)),
        ObjectIdentifier(Int.self): (.integer, 0),
        ObjectIdentifier(Int8.self): (.integer, Int8(0)),
        ObjectIdentifier(Int16.self): (.integer, Int16(0)),
        ObjectIdentifier(Int32.self): (.integer, Int32(0)),
        ObjectIdentifier(Int64.self): (.integer, Int64(0)),
        ObjectIdentifier(UInt.self): (.integer, UInt(0)),
        ObjectIdentifier(UInt8.self): (.integer, UInt8(0)),
        ObjectIdentifier(UInt16.self): (.integer, UInt16(0)),
        ObjectIdentifier(UInt32.self): (.integer, UInt32(0)),
        ObjectIdentifier(UInt64.self): (.integer, UInt64(0)),
        ObjectIdentifier(Date.self): (.string(format: "date-time"), Date(timeIntervalSince1970: 0)),
        ObjectIdentifier(JSONValue.self): (.anyValue(), JSONValue.null),
        ObjectIdentifier(ErrorCode.self): (.reference("ErrorCode"), ErrorCode.internalError),
    ]

    static func describe<T: Decodable>(_ type: T.Type, codingPath: [any CodingKey] = []) throws -> Described<T> {
        if let (schema, value) = primitives[ObjectIdentifier(T.self)] { return Described(schema: schema, value: value as! T) }
        if let optional = T.self as? any OptionalPayload.Type {
            let (schema, value) = try optional.describeWrapped(codingPath: codingPath)
            return Described(schema: schema, value: value as! T)
        }
        if let map = T.self as? any StringKeyedMap.Type {
            let (schema, empty) = try map.describeValues()
            return Described(schema: schema, value: empty as! T)
        }
        if let enumeration = T.self as? any (CaseIterable & RawRepresentable).Type, let (values, first) = cases(of: enumeration) {
            return Described(schema: .oneOf(values), value: first as! T)
        }
        let node = SchemaNode()
        let value = try T(from: RecordingDecoder(node: node, codingPath: codingPath))
        return Described(schema: node.schema, value: value)
    }

    static func cases<E: CaseIterable & RawRepresentable>(of type: E.Type) -> ([String], Any)? {
        guard E.RawValue.self == String.self, let first = E.allCases.first else { return nil }
        return (E.allCases.map { "\($0.rawValue)" }, first)
    }
}

private struct RecordingDecoder: Decoder {
    let node: SchemaNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        node.isKeyed = true
        return KeyedDecodingContainer(KeyedRecorder<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        UnkeyedRecorder(node: node, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleRecorder(node: node, codingPath: codingPath)
    }
}

/// Every key is there and not null; each one decoded becomes a member.
private struct KeyedRecorder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let node: SchemaNode
    let codingPath: [any CodingKey]
    var allKeys: [Key] { [] }

    func contains(_ key: Key) -> Bool { true }
    func decodeNil(forKey key: Key) throws -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try record(type, key, required: true) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try record(type, key, required: false) }

    /// A member that may be absent may be null too.
    func record<T: Decodable>(_ type: T.Type, _ key: Key, required: Bool) throws -> T {
        let described = try SchemaRecorder.describe(type, codingPath: codingPath + [key])
        node.add(key, schema: required ? described.schema : described.schema.orNull, required: required)
        return described.value
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        let child = SchemaNode()
        child.isKeyed = true
        node.add(key, node: child, required: true)
        return KeyedDecodingContainer(KeyedRecorder<NestedKey>(node: child, codingPath: codingPath + [key]))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        let child = SchemaNode()
        node.add(key, node: child, required: true)
        return UnkeyedRecorder(node: child, codingPath: codingPath + [key])
    }

    func superDecoder() throws -> any Decoder { RecordingDecoder(node: node, codingPath: codingPath) }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        let child = SchemaNode()
        node.add(key, node: child, required: true)
        return RecordingDecoder(node: child, codingPath: codingPath + [key])
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try record(type, key, required: true) }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try record(type, key, required: false) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try record(type, key, required: true) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try record(type, key, required: false) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try record(type, key, required: true) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try record(type, key, required: false) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try record(type, key, required: true) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try record(type, key, required: false) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try record(type, key, required: true) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try record(type, key, required: false) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try record(type, key, required: true) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try record(type, key, required: false) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try record(type, key, required: true) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try record(type, key, required: false) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try record(type, key, required: true) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try record(type, key, required: false) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try record(type, key, required: true) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try record(type, key, required: false) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try record(type, key, required: true) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try record(type, key, required: false) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try record(type, key, required: true) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try record(type, key, required: false) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try record(type, key, required: true) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try record(type, key, required: false) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try record(type, key, required: true) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try record(type, key, required: false) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try record(type, key, required: true) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try record(type, key, required: false) }
}

/// One element, whose schema is the items' schema.
private struct UnkeyedRecorder: UnkeyedDecodingContainer {
    let node: SchemaNode
    let codingPath: [any CodingKey]
    var currentIndex = 0
    var count: Int? { 1 }
    var isAtEnd: Bool { currentIndex >= 1 }

    init(node: SchemaNode, codingPath: [any CodingKey]) {
        self.node = node
        self.codingPath = codingPath
    }

    struct Index: CodingKey {
        var intValue: Int?
        var stringValue: String { "\(intValue ?? 0)" }
        init(intValue: Int) { self.intValue = intValue }
        init?(stringValue: String) { nil }
    }

    mutating func decodeNil() throws -> Bool { false }

    mutating func record<T: Decodable>(_ type: T.Type) throws -> T {
        let described = try SchemaRecorder.describe(type, codingPath: codingPath + [Index(intValue: currentIndex)])
        node.elementSchema = described.schema
        currentIndex += 1
        return described.value
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try record(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let child = SchemaNode()
        child.isKeyed = true
        node.element = child
        currentIndex += 1
        return KeyedDecodingContainer(KeyedRecorder<NestedKey>(node: child, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let child = SchemaNode()
        node.element = child
        currentIndex += 1
        return UnkeyedRecorder(node: child, codingPath: codingPath)
    }

    mutating func superDecoder() throws -> any Decoder {
        let child = SchemaNode()
        node.element = child
        currentIndex += 1
        return RecordingDecoder(node: child, codingPath: codingPath)
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try record(type) }
    mutating func decode(_ type: String.Type) throws -> String { try record(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try record(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try record(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try record(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try record(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try record(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try record(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try record(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try record(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try record(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try record(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try record(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try record(type) }
}

/// The value's schema is whatever it decodes.
private struct SingleRecorder: SingleValueDecodingContainer {
    let node: SchemaNode
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { false }

    func record<T: Decodable>(_ type: T.Type) throws -> T {
        let described = try SchemaRecorder.describe(type, codingPath: codingPath)
        node.single = described.schema
        return described.value
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try record(type) }

    func decode(_ type: Bool.Type) throws -> Bool { try record(type) }
    func decode(_ type: String.Type) throws -> String { try record(type) }
    func decode(_ type: Double.Type) throws -> Double { try record(type) }
    func decode(_ type: Float.Type) throws -> Float { try record(type) }
    func decode(_ type: Int.Type) throws -> Int { try record(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try record(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try record(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try record(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try record(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try record(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try record(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try record(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try record(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try record(type) }
}
