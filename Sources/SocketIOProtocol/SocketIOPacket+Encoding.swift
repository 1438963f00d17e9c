/// A packet ready for Engine.IO: the text (without the Engine.IO `4`) and, for binary packets,
/// the attachments that follow it as separate binary messages.
public struct EncodedSocketIOPacket: Sendable, Hashable {
    public var text: [UInt8]
    public var attachments: [[UInt8]]
}

extension SocketIOPacket {
    /// Encodes the packet, replacing each ``JSONValue/binary(_:)`` with
    /// `{"_placeholder":true,"num":k}` in traversal order.
    ///
    /// - Parameter prefix: bytes written before the packet, so a caller can get the Engine.IO
    ///   message type in the same buffer without a copy.
    public func encode(prefix: [UInt8] = []) -> EncodedSocketIOPacket {
        var attachments: [[UInt8]] = []
        let body = data.map { Self.deconstruct($0, attachments: &attachments) }
        var type = self.type
        if !attachments.isEmpty {
            if type == .event { type = .binaryEvent }
            if type == .ack { type = .binaryAck }
        }
        var out = prefix
        out.reserveCapacity(prefix.count + 16)
        out.append(type.character)
        if type == .binaryEvent || type == .binaryAck {
            out.append(contentsOf: String(attachments.count).utf8)
            out.append(UInt8(ascii: "-"))
        }
        if namespace != "/" {
            out.append(contentsOf: namespace.utf8)
            out.append(UInt8(ascii: ","))
        }
        if let ackId {
            out.append(contentsOf: String(ackId).utf8)
        }
        if let body {
            JSONWriter.write(body, into: &out)
        }
        return EncodedSocketIOPacket(text: out, attachments: attachments)
    }

    static func deconstruct(_ value: JSONValue, attachments: inout [[UInt8]]) -> JSONValue {
        switch value {
        case .binary(let bytes):
            attachments.append(bytes)
            return .object(["_placeholder": .bool(true), "num": .int(Int64(attachments.count - 1))])
        case .array(let items):
            return .array(items.map { deconstruct($0, attachments: &attachments) })
        case .object(let members):
            return .object(members.map { JSONMember($0.key, deconstruct($0.value, attachments: &attachments)) })
        default:
            return value
        }
    }
}

/// Turns Engine.IO messages back into Socket.IO packets, collecting the binary attachments that
/// follow a BINARY_EVENT or BINARY_ACK header.
///
/// One decoder per Engine.IO session. `maxAttachments` bounds what a client can make the server
/// wait for and hold; the default is generous for real payloads.
public struct SocketIOPacketDecoder: Sendable {
    public let maxAttachments: Int
    private var pending: (packet: SocketIOPacket, expected: Int, buffers: [[UInt8]])?

    public init(maxAttachments: Int = 64) {
        self.maxAttachments = maxAttachments
    }

    /// Whether a binary header is waiting for attachments.
    public var isAwaitingAttachments: Bool { pending != nil }

    /// Decodes a text message. Returns nil when the packet waits for binary attachments.
    public mutating func decode(text: some Collection<UInt8>) throws(SocketIOProtocolError) -> SocketIOPacket? {
        guard pending == nil else { throw .illegalAttachments }  // a text packet while attachments are due
        let (packet, attachments) = try Self.parse(Array(text), maxAttachments: maxAttachments)
        if attachments == 0 {
            return packet
        }
        pending = (packet, attachments, [])
        return nil
    }

    /// Feeds a binary message. Returns the completed packet once all attachments are in.
    public mutating func decode(binary: [UInt8]) throws(SocketIOProtocolError) -> SocketIOPacket? {
        guard var state = pending else { throw .unexpectedBinary }
        state.buffers.append(binary)
        guard state.buffers.count == state.expected else {
            pending = state
            return nil
        }
        pending = nil
        var packet = state.packet
        packet.data = try packet.data.map { value throws(SocketIOProtocolError) in
            try Self.reconstruct(value, buffers: state.buffers)
        }
        return packet
    }

    static func reconstruct(_ value: JSONValue, buffers: [[UInt8]]) throws(SocketIOProtocolError) -> JSONValue {
        switch value {
        case .object(let members):
            if value["_placeholder"] == .bool(true) {
                guard let num = value["num"]?.intValue, num >= 0, num < buffers.count else { throw .illegalAttachments }
                return .binary(buffers[Int(num)])
            }
            var out: [JSONMember] = []
            out.reserveCapacity(members.count)
            for member in members {
                out.append(JSONMember(member.key, try reconstruct(member.value, buffers: buffers)))
            }
            return .object(out)
        case .array(let items):
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try reconstruct(item, buffers: buffers)) }
            return .array(out)
        default:
            return value
        }
    }

    static let reservedEvents: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ]

    /// Parses the text form, following socket.io-parser's rules for what is valid.
    static func parse(_ bytes: [UInt8], maxAttachments: Int) throws(SocketIOProtocolError) -> (SocketIOPacket, Int) {
        guard let first = bytes.first else { throw .empty }
        guard first >= UInt8(ascii: "0"), let type = SocketIOPacketType(rawValue: first &- UInt8(ascii: "0")) else {
            throw .unknownPacketType(first)
        }
        var i = 1
        var attachments = 0
        if type == .binaryEvent || type == .binaryAck {
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, i > start, i - start <= 4,
                let count = Int(String(decoding: bytes[start..<i], as: UTF8.self))
            else { throw .illegalAttachments }
            guard count <= maxAttachments else { throw .tooManyAttachments(limit: maxAttachments) }
            attachments = count
            i += 1
        }
        var namespace = "/"
        if i < bytes.count, bytes[i] == UInt8(ascii: "/") {
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: ",") { i += 1 }
            namespace = String(decoding: bytes[start..<i], as: UTF8.self)
            if i < bytes.count { i += 1 }  // the comma
        }
        var ackId: UInt64?
        let digitsStart = i
        while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
        if i > digitsStart {
            guard i - digitsStart <= 15, let id = UInt64(String(decoding: bytes[digitsStart..<i], as: UTF8.self)) else {
                throw .invalidAckId
            }
            ackId = id
        }
        var data: JSONValue?
        if i < bytes.count {
            let parsed = bytes[i...].withUnsafeBytes { raw in
                Result { () throws(JSONParseError) in try JSONParser.parse(raw) }
            }
            switch parsed {
            case .success(let value): data = value
            case .failure(let error): throw .invalidJSON(error)
            }
        }
        guard isPayloadValid(type: type, data: data) else { throw .invalidPayload(type) }
        return (SocketIOPacket(type, namespace: namespace, ackId: ackId, data: data), attachments)
    }

    static func isPayloadValid(type: SocketIOPacketType, data: JSONValue?) -> Bool {
        switch type {
        case .connect:
            return data == nil || data!.isObject
        case .disconnect:
            return data == nil
        case .connectError:
            guard let data else { return false }
            if case .string = data { return true }
            return data.isObject
        case .event, .binaryEvent:
            guard case .array(let items)? = data, let first = items.first else { return false }
            switch first {
            case .string(let name): return !reservedEvents.contains(name)
            case .int, .double: return true  // socket.io-parser accepts numeric event names
            default: return false
            }
        case .ack, .binaryAck:
            guard case .array? = data else { return false }
            return true
        }
    }
}
