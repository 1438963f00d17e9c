import NIOCore

/// Sits next to the pipeline's head so pre-encoded WebSocket frames can be written past NIO's
/// `WebSocketFrameEncoder` (which the upgrader installs and which cannot be removed). Writing
/// through this handler's context sends the bytes straight to the socket.
final class RawFrameOutlet: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private(set) var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }
}
