/// Why bytes are not one MessagePack value.
public enum MessagePackError: Error, Equatable, Sendable {
    case truncated
    case invalidByte(UInt8)
    case invalidUTF8
    case trailingBytes(Int)
    case tooDeep
}

/// Reads one MessagePack value from bytes received from Redis (untrusted: every length is
/// checked against what is there, nesting is bounded).
public struct MessagePackReader {
    private let bytes: [UInt8]
    private var index = 0
    /// Deeper nesting than any Socket.IO payload needs is refused, so input cannot exhaust the stack.
    public static let maxDepth = 64

    public static func decode(_ bytes: [UInt8]) throws(MessagePackError) -> MessagePackValue {
        var reader = MessagePackReader(bytes: bytes)
        let value = try reader.read(depth: 0)
        guard reader.index == bytes.count else { throw .trailingBytes(bytes.count - reader.index) }
        return value
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func byte() throws(MessagePackError) -> UInt8 {
        guard index < bytes.count else { throw .truncated }
        defer { index += 1 }
        return bytes[index]
    }

    private mutating func take(_ count: Int) throws(MessagePackError) -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - index >= count else { throw .truncated }
        defer { index += count }
        return bytes[index..<index + count]
    }

    private mutating func unsigned(_ size: Int) throws(MessagePackError) -> UInt64 {
        var value: UInt64 = 0
        for b in try take(size) { value = value << 8 | UInt64(b) }
        return value
    }

    private mutating func string(_ count: Int) throws(MessagePackError) -> MessagePackValue {
        guard let text = String(validating: try take(count), as: UTF8.self) else { throw .invalidUTF8 }
        return .string(text)
    }

    private mutating func array(_ count: Int, depth: Int) throws(MessagePackError) -> MessagePackValue {
        guard count <= bytes.count - index else { throw .truncated }  // each item takes a byte at least
        var items: [MessagePackValue] = []
        items.reserveCapacity(count)
        for _ in 0..<count { items.append(try read(depth: depth + 1)) }
        return .array(items)
    }

    private mutating func map(_ count: Int, depth: Int) throws(MessagePackError) -> MessagePackValue {
        guard count <= (bytes.count - index) / 2 else { throw .truncated }
        var members: [(key: MessagePackValue, value: MessagePackValue)] = []
        members.reserveCapacity(count)
        for _ in 0..<count {
            let key = try read(depth: depth + 1)
            members.append((key, try read(depth: depth + 1)))
        }
        return .map(members)
    }

    private mutating func ext(_ count: Int) throws(MessagePackError) -> MessagePackValue {
        let type = Int8(bitPattern: try byte())
        return .ext(type: type, data: Array(try take(count)))
    }

    mutating func read(depth: Int) throws(MessagePackError) -> MessagePackValue {
        guard depth < Self.maxDepth else { throw .tooDeep }
        let b = try byte()
        switch b {
        case 0x00...0x7f: return .int(Int64(b))
        case 0x80...0x8f: return try map(Int(b & 0x0f), depth: depth)
        case 0x90...0x9f: return try array(Int(b & 0x0f), depth: depth)
        case 0xa0...0xbf: return try string(Int(b & 0x1f))
        case 0xc0: return .nil
        case 0xc2: return .bool(false)
        case 0xc3: return .bool(true)
        case 0xc4: return .binary(Array(try take(Int(try unsigned(1)))))
        case 0xc5: return .binary(Array(try take(Int(try unsigned(2)))))
        case 0xc6: return .binary(Array(try take(Int(try unsigned(4)))))
        case 0xc7: return try ext(Int(try unsigned(1)))
        case 0xc8: return try ext(Int(try unsigned(2)))
        case 0xc9: return try ext(Int(try unsigned(4)))
        case 0xca: return .double(Double(Float(bitPattern: UInt32(try unsigned(4)))))
        case 0xcb: return .double(Double(bitPattern: try unsigned(8)))
        case 0xcc: return .int(Int64(try unsigned(1)))
        case 0xcd: return .int(Int64(try unsigned(2)))
        case 0xce: return .int(Int64(try unsigned(4)))
        case 0xcf:
            let u = try unsigned(8)
            return u <= UInt64(Int64.max) ? .int(Int64(u)) : .uint(u)
        case 0xd0: return .int(Int64(Int8(truncatingIfNeeded: try unsigned(1))))
        case 0xd1: return .int(Int64(Int16(truncatingIfNeeded: try unsigned(2))))
        case 0xd2: return .int(Int64(Int32(truncatingIfNeeded: try unsigned(4))))
        case 0xd3: return .int(Int64(bitPattern: try unsigned(8)))
        case 0xd4: return try ext(1)
        case 0xd5: return try ext(2)
        case 0xd6: return try ext(4)
        case 0xd7: return try ext(8)
        case 0xd8: return try ext(16)
        case 0xd9: return try string(Int(try unsigned(1)))
        case 0xda: return try string(Int(try unsigned(2)))
        case 0xdb: return try string(Int(try unsigned(4)))
        case 0xdc: return try array(Int(try unsigned(2)), depth: depth)
        case 0xdd: return try array(Int(try unsigned(4)), depth: depth)
        case 0xde: return try map(Int(try unsigned(2)), depth: depth)
        case 0xdf: return try map(Int(try unsigned(4)), depth: depth)
        case 0xe0...0xff: return .int(Int64(Int8(bitPattern: b)))
        default: throw .invalidByte(b)
        }
    }
}
