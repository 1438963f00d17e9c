/// A JSON document as Socket.IO carries it: event arguments, ack arguments, auth and
/// CONNECT_ERROR payloads.
///
/// Objects keep their members in wire order, so a payload that is read and written back comes out
/// byte for byte as it went in (the protocol suites compare echoed packets as strings). Integers
/// and doubles are kept apart so that `1` is never written back as `1.0`. `binary` stands for a
/// Socket.IO attachment: it never appears in JSON text, only in place of a
/// `{"_placeholder":true,"num":N}` object.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])
    case binary([UInt8])
}

/// One member of a JSON object, in the order it was read or built.
public struct JSONMember: Sendable, Hashable {
    public var key: String
    public var value: JSONValue

    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

extension JSONValue {
    /// Builds an object from key/value pairs, keeping their order.
    public static func object(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(pairs.map { JSONMember($0.key, $0.value) })
    }

    /// The member named `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first(where: { $0.key == key })?.value
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.0e15: return Int64(d)
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    /// Whether the value holds a binary attachment anywhere inside it.
    public var containsBinary: Bool {
        switch self {
        case .binary: return true
        case .array(let items): return items.contains(where: \.containsBinary)
        case .object(let members): return members.contains(where: { $0.value.containsBinary })
        default: return false
        }
    }
}

extension JSONValue {
    /// JSON equality: objects compare as maps (member order is kept for writing, but two objects
    /// with the same members in another order are equal); `1` and `1.0` are equal. Of a key that
    /// appears more than once in an object, the first member counts, as everywhere in this module
    /// (``subscript(key:)``, ``JSONValueDecoder``).
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.int(let a), .double(let b)), (.double(let b), .int(let a)): return Double(a) == b
        case (.string(let a), .string(let b)): return a == b
        case (.binary(let a), .binary(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return firstMembers(a) == firstMembers(b)
        default: return false
        }
    }

    /// An object's members by key, the first of a repeated key counting.
    private static func firstMembers(_ members: [JSONMember]) -> [String: JSONValue] {
        Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .int(let i): hasher.combine(Double(i))
        case .double(let d): hasher.combine(d)
        case .string(let s): hasher.combine(s)
        case .binary(let bytes): hasher.combine(bytes)
        case .array(let items): hasher.combine(items)
        case .object(let members):
            // Order-independent: combine a commutative sum of the hashes of the members that
            // count (the first of a repeated key), as == compares them.
            var sum = 0
            var seen: Set<String> = []
            for member in members where seen.insert(member.key).inserted { sum &+= member.hashValue }
            hasher.combine(sum)
        }
    }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(elements.map { JSONMember($0.0, $0.1) })
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .double(value) }
}
