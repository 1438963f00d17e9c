/// A MessagePack value, as the Socket.IO Redis adapter and emitter write them (notepack).
///
/// Ours, by hand, because no Swift msgpack package is available to the project and the subset
/// needed is small: nil, booleans, integers, float 64 (notepack writes every non-integer as
/// float 64), strings, binary, arrays, maps and extensions (notepack writes `undefined` as
/// fixext 1 type 0, Dates as the timestamp extension −1).
public enum MessagePackValue: Sendable, Hashable {
    case `nil`
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case binary([UInt8])
    case array([MessagePackValue])
    /// Keys in the order they were written or read.
    case map([(key: MessagePackValue, value: MessagePackValue)])
    case ext(type: Int8, data: [UInt8])

    public static func == (lhs: MessagePackValue, rhs: MessagePackValue) -> Bool {
        switch (lhs, rhs) {
        case (.nil, .nil): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.uint(let a), .uint(let b)): return a == b
        case (.int(let a), .uint(let b)), (.uint(let b), .int(let a)): return a >= 0 && UInt64(a) == b
        case (.double(let a), .double(let b)): return a == b || (a.isNaN && b.isNaN)
        case (.string(let a), .string(let b)): return a == b
        case (.binary(let a), .binary(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.map(let a), .map(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.ext(let t1, let d1), .ext(let t2, let d2)): return t1 == t2 && d1 == d2
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .nil: hasher.combine(0)
        case .bool(let b): hasher.combine(b)
        case .int(let i): hasher.combine(i)
        case .uint(let u): if u <= UInt64(Int64.max) { hasher.combine(Int64(u)) } else { hasher.combine(u) }
        case .double(let d): hasher.combine(d)
        case .string(let s): hasher.combine(s)
        case .binary(let b): hasher.combine(b)
        case .array(let a): hasher.combine(a)
        case .map(let m): for (k, v) in m { hasher.combine(k); hasher.combine(v) }
        case .ext(let t, let d): hasher.combine(t); hasher.combine(d)
        }
    }

    /// The member named `key` of a map with string keys.
    public subscript(key: String) -> MessagePackValue? {
        guard case .map(let members) = self else { return nil }
        return members.first { $0.key == .string(key) }?.value
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var arrayValue: [MessagePackValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var intValue: Int64? {
        switch self {
        case .int(let i): return i
        case .uint(let u) where u <= UInt64(Int64.max): return Int64(u)
        default: return nil
        }
    }

    /// notepack's `undefined`.
    public static let undefined = MessagePackValue.ext(type: 0, data: [0])
}
