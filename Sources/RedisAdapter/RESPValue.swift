import CHiredis

/// A Redis reply (RESP2), as hiredis's reader builds it.
public enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    /// A bulk string; nil for RESP's null bulk.
    case bulk([UInt8]?)
    /// nil for RESP's null array.
    case array([RESPValue]?)

    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): return bytes
        case .simpleString(let text): return Array(text.utf8)
        default: return nil
        }
    }

    public var string: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
}

/// hiredis's RESP reader: fed whatever bytes arrive, it hands back each complete reply. Not
/// thread-safe; one per connection, used on the connection's event loop.
final class RESPReader {
    private let reader: UnsafeMutablePointer<redisReader>

    struct ProtocolError: Error, CustomStringConvertible {
        var description: String
    }

    init() {
        reader = redisReaderCreate()
    }

    deinit {
        redisReaderFree(reader)
    }

    func feed(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        if redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count) != REDIS_OK {
            throw ProtocolError(description: errorText)
        }
    }

    /// The next complete reply, or nil when more bytes are needed.
    func next() throws -> RESPValue? {
        var reply: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &reply) == REDIS_OK else { throw ProtocolError(description: errorText) }
        guard let reply else { return nil }
        defer { freeReplyObject(reply) }
        return Self.value(reply.assumingMemoryBound(to: redisReply.self))
    }

    private var errorText: String {
        withUnsafeBytes(of: reader.pointee.errstr) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    private static func value(_ reply: UnsafeMutablePointer<redisReply>) -> RESPValue {
        let r = reply.pointee
        func bytes() -> [UInt8] {
            guard let str = r.str else { return [] }
            return Array(UnsafeRawBufferPointer(start: str, count: r.len))
        }
        switch r.type {
        case REDIS_REPLY_STRING: return .bulk(bytes())
        case REDIS_REPLY_STATUS: return .simpleString(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_ERROR: return .error(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_INTEGER: return .integer(Int64(r.integer))
        case REDIS_REPLY_ARRAY:
            guard let elements = r.element else { return .array([]) }
            return .array((0..<r.elements).map { value(elements[$0]!) })
        default: return .bulk(nil)  // REDIS_REPLY_NIL
        }
    }
}

/// hiredis's command formatter: a command and its arguments as one RESP request.
enum RESPCommand {
    static func format(_ arguments: [[UInt8]]) -> [UInt8] {
        // All arguments in one buffer, so every pointer handed to hiredis stays valid for the call.
        let joined = Array(arguments.joined()) + [0]
        let lengths = arguments.map(\.count)
        return joined.withUnsafeBufferPointer { buffer -> [UInt8] in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var offset = 0
            var pointers: [UnsafePointer<CChar>?] = []
            for length in lengths {
                pointers.append(base + offset)
                offset += length
            }
            var target: UnsafeMutablePointer<CChar>?
            let length = redisFormatCommandArgv(&target, Int32(arguments.count), &pointers, lengths)
            guard length > 0, let target else { return [] }
            defer { redisFreeCommand(target) }
            return Array(UnsafeRawBufferPointer(start: target, count: Int(length)))
        }
    }
}
