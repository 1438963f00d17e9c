import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Answers a WebSocket opening handshake (RFC 6455 §4.2) for an Engine.IO endpoint and leaves
/// the connection's pipeline to ``EngineIOWebSocketHandler`` alone.
///
/// NIO's own upgrader installs a frame encoder and a frame decoder on every connection; the
/// Engine.IO handler writes frames it encoded once per broadcast and reads frames itself
/// (``WebSocketFrameReader``), so those handlers would only hold memory for each idle connection.
struct EngineIOWebSocketUpgrader<UpgradeResult: Sendable>: NIOTypedHTTPServerProtocolUpgrader {
    let supportedProtocol = "websocket"
    /// None beyond `Upgrade`: NIO would also demand them in `Connection`; the key and version
    /// are checked in ``buildUpgradeResponse(channel:upgradeRequest:initialResponseHeaders:)``.
    let requiredUpgradeHeaders: [String] = []

    /// Decides whether to upgrade (nil: refuse) and with which extra response headers.
    let shouldUpgrade: @Sendable (any Channel, HTTPRequestHead) -> EventLoopFuture<HTTPHeaders?>
    /// Installs the connection's handlers once the 101 response is written.
    let upgradePipelineHandler: @Sendable (any Channel, HTTPRequestHead) -> EventLoopFuture<UpgradeResult>

    /// Why a handshake is refused (the HTTP layer answers 400).
    enum HandshakeError: Error {
        case missingKey
        case unsupportedVersion
        case refused
    }

    func buildUpgradeResponse(
        channel: any Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        let keys = upgradeRequest.headers["Sec-WebSocket-Key"]
        guard keys.count == 1, let key = keys.first, !key.isEmpty else {
            return channel.eventLoop.makeFailedFuture(HandshakeError.missingKey)
        }
        guard upgradeRequest.headers["Sec-WebSocket-Version"] == ["13"] else {
            return channel.eventLoop.makeFailedFuture(HandshakeError.unsupportedVersion)
        }
        return shouldUpgrade(channel, upgradeRequest).flatMapThrowing { extra in
            guard var headers = extra else { throw HandshakeError.refused }
            headers.replaceOrAdd(name: "Upgrade", value: "websocket")
            headers.replaceOrAdd(name: "Connection", value: "upgrade")
            headers.add(name: "Sec-WebSocket-Accept", value: Self.acceptValue(forKey: key))
            return headers
        }
    }

    func upgrade(channel: any Channel, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<UpgradeResult> {
        upgradePipelineHandler(channel, upgradeRequest)
    }

    /// `Sec-WebSocket-Accept`: base64 of the SHA-1 of the key and the protocol's GUID.
    static func acceptValue(forKey key: String) -> String {
        let digest = Insecure.SHA1.hash(data: Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))
        return Data(digest).base64EncodedString()
    }
}
