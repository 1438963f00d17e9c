import Foundation

/// Engine.IO 4 packet types (the first character of every text packet).
public enum EngineIOPacketType: UInt8, Sendable, CaseIterable {
    case open = 0, close, ping, pong, message, upgrade, noop

    var character: UInt8 { UInt8(ascii: "0") + rawValue }
}

/// One Engine.IO 4 packet.
///
/// Text packets carry their payload as UTF-8 bytes after the type digit; binary packets are always
/// messages and carry raw bytes (over WebSocket a binary frame, over polling `b` + base64).
public struct EngineIOPacket: Sendable, Hashable {
    public var type: EngineIOPacketType
    public var payload: [UInt8]
    public var isBinary: Bool

    public init(_ type: EngineIOPacketType, text: String = "") {
        self.type = type
        self.payload = Array(text.utf8)
        self.isBinary = false
    }

    public init(_ type: EngineIOPacketType, bytes: [UInt8]) {
        self.type = type
        self.payload = bytes
        self.isBinary = false
    }

    /// A binary message packet.
    public init(binary: [UInt8]) {
        self.type = .message
        self.payload = binary
        self.isBinary = true
    }

    public var text: String { String(decoding: payload, as: UTF8.self) }
}

/// Why an Engine.IO packet or payload was refused.
public enum EngineIOProtocolError: Error, Sendable, Equatable {
    case emptyPacket
    case unknownPacketType(UInt8)
    case invalidBase64
    case payloadTooLarge(limit: Int)
}

extension EngineIOPacket {
    /// Decodes the text of one packet (a WebSocket text frame, or one record of a polling payload).
    ///
    /// `b` + base64 is a binary message on every transport, as engine.io-parser's `decodePacket`
    /// reads it: clients with `forceBase64` send their binary that way over WebSocket too.
    public static func decode(text bytes: some Collection<UInt8>) throws(EngineIOProtocolError) -> EngineIOPacket {
        guard let first = bytes.first else { throw .emptyPacket }
        if first == UInt8(ascii: "b") {
            guard let data = Data(base64Encoded: Data(bytes.dropFirst())) else { throw .invalidBase64 }
            return EngineIOPacket(binary: Array(data))
        }
        guard first >= UInt8(ascii: "0"), let type = EngineIOPacketType(rawValue: first &- UInt8(ascii: "0")) else {
            throw .unknownPacketType(first)
        }
        return EngineIOPacket(type, bytes: Array(bytes.dropFirst()))
    }

    /// Encodes the packet as the text of a WebSocket text frame (type digit + payload).
    /// Binary packets are sent as they are in a binary frame instead.
    public func webSocketText(into output: inout [UInt8]) {
        output.append(type.character)
        output.append(contentsOf: payload)
    }
}
