import NIOCore
import NIOHTTP1

/// Reads the HTTP response of a refused WebSocket upgrade and fails the connect attempt with
/// its status and the start of its body.
///
/// Engine.IO servers explain a refusal in the body (`{"code":…,"message":…}`), and tests of the
/// server's handshake checks want to see exactly that.
final class HTTPRejectionCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    /// Enough of a body to hold any error explanation; the rest is not kept.
    static let bodyLimit = 4096

    private let session: ClientSession
    private var status: Int?
    private var body: [UInt8] = []
    private var reported = false

    init(session: ClientSession) {
        self.session = session
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(let buffer):
            body += buffer.readableBytesView.prefix(Self.bodyLimit - body.count)
        case .end:
            report()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        report()
        context.fireChannelInactive()
    }

    private func report() {
        guard !reported else { return }
        reported = true
        session.abortConnect(SocketIOClientError.upgradeRejected(status: status ?? 0, body: String(decoding: body, as: UTF8.self)))
    }
}
