import Foundation
import SocketIOProtocol

/// A type that states its own JSON Schema instead of having it read off its `Decodable`
/// conformance: values the wire writes differently from their Swift shape (dates as ISO 8601
/// strings, free-form JSON, open string codes, enums by their raw values).
public protocol SchemaDescribed {
    static var jsonSchema: JSONValue { get }
    /// A value to hand back while the schema of the type around it is read.
    static var schemaSample: Self { get }
}

/// Reads a `Decodable` type's JSON Schema off its own conformance: every key it decodes, with
/// the type it decodes there, and `decodeIfPresent` making a key optional. The payload types
/// are therefore described by the code that decodes them, not by a second declaration that
/// could drift from it. (No package in reach derives schemas from `Codable`; the walk is small.)
public enum SchemaReader {
    public static func schema<T: Decodable>(of type: T.Type) throws -> JSONValue {
        if let described = type as? any SchemaDescribed.Type { return described.jsonSchema }
        let node = SchemaNode()
        _ = try T(from: SchemaDecoder(node: node, codingPath: []))
        return node.schema
    }
}

/// What one value turned out to be while it was decoded.
final class SchemaNode {
    enum Kind {
        case unknown
        case object(properties: [(String, SchemaNode)], required: Set<String>)
        case map(value: SchemaNode)
        case array(items: SchemaNode)
        case leaf(JSONValue)
    }

    var kind: Kind = .unknown

    var schema: JSONValue {
        switch kind {
        case .unknown: return .object([])
        case .leaf(let schema): return schema
        case .array(let items): return ["type": "array", "items": items.schema]
        case .map(let value): return ["type": "object", "additionalProperties": value.schema]
        case .object(let properties, let required):
            var members: [JSONMember] = [
                JSONMember("type", "object"),
                JSONMember("properties", .object(properties.map { JSONMember($0.0, $0.1.schema) })),
            ]
            let names = properties.map(\.0).filter { required.contains($0) }
            if !names.isEmpty { members.append(JSONMember("required", .array(names.map { .string($0) }))) }
            return .object(members)
        }
    }

    func property(_ key: String, required: Bool) -> SchemaNode {
        guard case .object(var properties, var names) = kind else {
            let node = SchemaNode()
            kind = .object(properties: [(key, node)], required: required ? [key] : [])
            return node
        }
        if let existing = properties.first(where: { $0.0 == key }) { return existing.1 }
        let node = SchemaNode()
        properties.append((key, node))
        if required { names.insert(key) }
        kind = .object(properties: properties, required: names)
        return node
    }
}

struct SchemaDecoder: Decoder {
    let node: SchemaNode
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        if case .unknown = node.kind { node.kind = .object(properties: [], required: []) }
        return KeyedDecodingContainer(KeyedSchemaContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let items = SchemaNode()
        node.kind = .array(items: items)
        return UnkeyedSchemaContainer(items: items, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleSchemaContainer(node: node, codingPath: codingPath)
    }
}

/// Decodes `type` at `node`: a described type states its schema, a primitive its JSON type,
/// anything else is walked.
func sample<T: Decodable>(_ type: T.Type, at node: SchemaNode, codingPath: [any CodingKey]) throws -> T {
    if let described = type as? any SchemaDescribed.Type {
        node.kind = .leaf(described.jsonSchema)
        return described.schemaSample as! T  // the type is T itself
    }
    if let primitive = Primitive.sample(type) {
        node.kind = .leaf(primitive.schema)
        return primitive.value as! T  // sampled for T itself
    }
    return try T(from: SchemaDecoder(node: node, codingPath: codingPath))
}

/// JSON's primitive types and a value of each.
struct Primitive {
    var schema: JSONValue
    var value: Any

    static func sample<T>(_ type: T.Type) -> Primitive? {
        switch type {
        case is String.Type: Primitive(schema: ["type": "string"], value: "")
        case is Bool.Type: Primitive(schema: ["type": "boolean"], value: false)
        case is Int.Type: Primitive(schema: ["type": "integer"], value: 0)
        case is Int64.Type: Primitive(schema: ["type": "integer"], value: Int64(0))
        case is Int8.Type: Primitive(schema: ["type": "integer"], value: Int8(0))
        case is Int16.Type: Primitive(schema: ["type": "integer"], value: Int16(0))
        case is Int32.Type: Primitive(schema: ["type": "integer"], value: Int32(0))
        case is UInt.Type: Primitive(schema: ["type": "integer", "minimum": 0], value: UInt(0))
        case is UInt8.Type: Primitive(schema: ["type": "integer", "minimum": 0], value: UInt8(0))
        case is UInt16.Type: Primitive(schema: ["type": "integer", "minimum": 0], value: UInt16(0))
        case is UInt32.Type: Primitive(schema: ["type": "integer", "minimum": 0], value: UInt32(0))
        case is UInt64.Type: Primitive(schema: ["type": "integer", "minimum": 0], value: UInt64(0))
        case is Double.Type: Primitive(schema: ["type": "number"], value: 0.0)
        case is Float.Type: Primitive(schema: ["type": "number"], value: Float(0))
        default: nil
        }
    }
}

struct KeyedSchemaContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let node: SchemaNode
    var codingPath: [any CodingKey]

    /// Asked by dictionaries: one key stands for all, and the object is a map.
    var allKeys: [Key] {
        let value = SchemaNode()
        node.kind = .map(value: value)
        return Key(stringValue: "*").map { [$0] } ?? []
    }

    func contains(_ key: Key) -> Bool { true }

    private func child(_ key: Key, required: Bool) -> SchemaNode {
        if case .map(let value) = node.kind { return value }
        return node.property(key.stringValue, required: required)
    }

    func decodeNil(forKey key: Key) throws -> Bool { false }

    private func value<T: Decodable>(_ type: T.Type, _ key: Key, required: Bool) throws -> T {
        try sample(type, at: child(key, required: required), codingPath: codingPath + [key])
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try value(type, key, required: true)
    }

    // The primitives, each through the one generic path.
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try value(type, key, required: true)
    }
    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try value(type, key, required: true)
    }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try value(type, key, required: true)
    }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        try value(type, key, required: true)
    }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try value(type, key, required: true) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 {
        try value(type, key, required: true)
    }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 {
        try value(type, key, required: true)
    }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 {
        try value(type, key, required: true)
    }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 {
        try value(type, key, required: true)
    }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt {
        try value(type, key, required: true)
    }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 {
        try value(type, key, required: true)
    }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 {
        try value(type, key, required: true)
    }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 {
        try value(type, key, required: true)
    }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 {
        try value(type, key, required: true)
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try value(type, key, required: false)
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try value(type, key, required: false)
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        try value(type, key, required: false)
    }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? {
        try value(type, key, required: false)
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        try value(type, key, required: false)
    }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? {
        try value(type, key, required: false)
    }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? {
        try value(type, key, required: false)
    }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? {
        try value(type, key, required: false)
    }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
        try value(type, key, required: false)
    }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? {
        try value(type, key, required: false)
    }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? {
        try value(type, key, required: false)
    }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? {
        try value(type, key, required: false)
    }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? {
        try value(type, key, required: false)
    }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? {
        try value(type, key, required: false)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try value(type, key, required: false)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try SchemaDecoder(node: child(key, required: true), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try SchemaDecoder(node: child(key, required: true), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { SchemaDecoder(node: node, codingPath: codingPath) }
    func superDecoder(forKey key: Key) throws -> any Decoder { SchemaDecoder(node: child(key, required: true), codingPath: codingPath + [key]) }
}

/// An array read once: its one element gives the items' schema.
struct UnkeyedSchemaContainer: UnkeyedDecodingContainer {
    let items: SchemaNode
    var codingPath: [any CodingKey]
    var count: Int? { 1 }
    var currentIndex = 0
    var isAtEnd: Bool { currentIndex > 0 }

    init(items: SchemaNode, codingPath: [any CodingKey]) {
        self.items = items
        self.codingPath = codingPath
    }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next(type) }

    /// The one element: its type is the items' schema.
    private mutating func next<T: Decodable>(_ type: T.Type) throws -> T {
        currentIndex += 1
        return try sample(type, at: items, codingPath: codingPath)
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next(type) }
    mutating func decode(_ type: String.Type) throws -> String { try next(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try next(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try next(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        currentIndex += 1
        return try SchemaDecoder(node: items, codingPath: codingPath).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        currentIndex += 1
        return try SchemaDecoder(node: items, codingPath: codingPath).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { SchemaDecoder(node: items, codingPath: codingPath) }
}

struct SingleSchemaContainer: SingleValueDecodingContainer {
    let node: SchemaNode
    var codingPath: [any CodingKey]

    func decodeNil() -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try sample(type, at: node, codingPath: codingPath)
    }

    func decode(_ type: Bool.Type) throws -> Bool { try sample(type, at: node, codingPath: codingPath) }
    func decode(_ type: String.Type) throws -> String { try sample(type, at: node, codingPath: codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try sample(type, at: node, codingPath: codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try sample(type, at: node, codingPath: codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try sample(type, at: node, codingPath: codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try sample(type, at: node, codingPath: codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try sample(type, at: node, codingPath: codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try sample(type, at: node, codingPath: codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try sample(type, at: node, codingPath: codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try sample(type, at: node, codingPath: codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try sample(type, at: node, codingPath: codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try sample(type, at: node, codingPath: codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try sample(type, at: node, codingPath: codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try sample(type, at: node, codingPath: codingPath) }
}
