/// Socket.IO 5 packet types.
public enum SocketIOPacketType: UInt8, Sendable, CaseIterable {
    case connect = 0, disconnect, event, ack, connectError, binaryEvent, binaryAck

    var character: UInt8 { UInt8(ascii: "0") + rawValue }
}

/// One Socket.IO 5 packet: `<type>[<attachments>-][<nsp>,][<ackId>][JSON]`.
///
/// `data` holds the payload with attachments in place (as ``JSONValue/binary(_:)``); the encoder
/// turns them into placeholders and the decoder puts them back, so code above this layer never
/// sees placeholders.
public struct SocketIOPacket: Sendable, Hashable {
    public var type: SocketIOPacketType
    public var namespace: String
    public var ackId: UInt64?
    public var data: JSONValue?

    public init(_ type: SocketIOPacketType, namespace: String = "/", ackId: UInt64? = nil, data: JSONValue? = nil) {
        self.type = type
        self.namespace = namespace
        self.ackId = ackId
        self.data = data
    }

    /// An EVENT (or BINARY_EVENT when an argument holds binary).
    public static func event(_ name: String, _ args: [JSONValue], namespace: String = "/", ackId: UInt64? = nil) -> SocketIOPacket {
        let data = JSONValue.array([.string(name)] + args)
        return SocketIOPacket(data.containsBinary ? .binaryEvent : .event, namespace: namespace, ackId: ackId, data: data)
    }

    /// An ACK (or BINARY_ACK when an argument holds binary).
    public static func ack(_ id: UInt64, _ args: [JSONValue], namespace: String = "/") -> SocketIOPacket {
        let data = JSONValue.array(args)
        return SocketIOPacket(data.containsBinary ? .binaryAck : .ack, namespace: namespace, ackId: id, data: data)
    }

    /// For EVENT packets: the event name and its arguments.
    ///
    /// A numeric name (`2[1,"x"]`, valid for socket.io-parser) is given in its JavaScript string
    /// form, the key Node's EventEmitter dispatches it under, so `1` and `"1"` name one event.
    public var eventNameAndArguments: (name: String, arguments: [JSONValue])? {
        guard type == .event || type == .binaryEvent, case .array(let items)? = data, let first = items.first
        else { return nil }
        switch first {
        case .string(let name): return (name, Array(items.dropFirst()))
        case .int, .double: return (JSONWriter.string(first), Array(items.dropFirst()))
        default: return nil
        }
    }
}

/// Why a Socket.IO packet was refused; the connection that sent it is closed.
public enum SocketIOProtocolError: Error, Sendable, Equatable {
    case empty
    case unknownPacketType(UInt8)
    case illegalAttachments
    case tooManyAttachments(limit: Int)
    case invalidAckId
    case invalidJSON(JSONParseError)
    case invalidPayload(SocketIOPacketType)
    case unexpectedBinary
}
