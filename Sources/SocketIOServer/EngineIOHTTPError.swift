import HTTPTypes
import NIOCore
import SocketIOProtocol

/// The Engine.IO HTTP error answers, with the codes the Node server uses so clients that read
/// them (`{"code":1,"message":"Session ID unknown"}`) understand ours.
public enum EngineIOHTTPError: Error, Sendable, Equatable {
    case unknownTransport
    case unknownSession
    case badHandshakeMethod
    case badRequest(String)
    case forbidden
    case unsupportedProtocolVersion
    case payloadTooLarge
    /// The client's address opened more sessions than it may this second.
    case tooManyHandshakes

    var code: Int {
        switch self {
        case .unknownTransport: 0
        case .unknownSession: 1
        case .badHandshakeMethod: 2
        case .badRequest: 3
        case .forbidden: 4
        case .unsupportedProtocolVersion: 5
        case .payloadTooLarge: 3
        case .tooManyHandshakes: 3
        }
    }

    var message: String {
        switch self {
        case .unknownTransport: "Transport unknown"
        case .unknownSession: "Session ID unknown"
        case .badHandshakeMethod: "Bad handshake method"
        case .badRequest(let detail): "Bad request: \(detail)"
        case .forbidden: "Forbidden"
        case .unsupportedProtocolVersion: "Unsupported protocol version: this server speaks Engine.IO 4 (EIO=4) only"
        case .payloadTooLarge: "Payload too large"
        case .tooManyHandshakes: "Too many handshakes from this address; retry in a second"
        }
    }

    var status: HTTPResponse.Status {
        switch self {
        case .forbidden: .forbidden
        case .payloadTooLarge: .contentTooLarge
        case .tooManyHandshakes: .tooManyRequests
        default: .badRequest
        }
    }

    var body: ByteBuffer {
        var bytes: [UInt8] = Array("{\"code\":\(code),\"message\":".utf8)
        JSONWriter.writeString(message, into: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return ByteBuffer(bytes: bytes)
    }
}
