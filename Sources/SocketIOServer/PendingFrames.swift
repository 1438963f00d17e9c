import NIOCore

/// The frames one connection was given during the current event loop tick, waiting for the
/// batched flush.
///
/// A broadcast hands every recipient the same encoded buffer; queuing it as is costs no copy.
/// When a second frame arrives before the flush, both go into one buffer of this connection's
/// own: copying a few hundred bytes is cheaper than NIO's bookkeeping for each extra pending
/// write, and the socket gets one contiguous write.
struct PendingFrames {
    private enum State {
        case empty
        case single(ByteBuffer)
        case merged(ByteBuffer)
    }

    private var state = State.empty

    var isEmpty: Bool {
        if case .empty = state { return true }
        return false
    }

    mutating func append(_ frame: ByteBuffer) {
        switch state {
        case .empty:
            state = .single(frame)
        case .single(let first):
            var merged = ByteBufferAllocator().buffer(capacity: max(1024, (first.readableBytes + frame.readableBytes) * 2))
            merged.writeImmutableBuffer(first)
            merged.writeImmutableBuffer(frame)
            state = .merged(merged)
        case .merged(var merged):
            state = .empty // drop the enum's reference so the buffer is uniquely owned
            merged.writeImmutableBuffer(frame)
            state = .merged(merged)
        }
    }

    /// Passes the queued bytes (one buffer, if any) to `write` and empties the queue.
    mutating func drain(_ write: (ByteBuffer) -> Void) {
        switch state {
        case .empty:
            return
        case .single(let buffer), .merged(let buffer):
            state = .empty
            write(buffer)
        }
    }
}
