import NIOCore

/// The frames one connection was given during the current event loop tick, waiting for the
/// batched flush.
///
/// A broadcast hands every recipient the same encoded buffer; queuing it as is costs no copy.
/// When more frames arrive before the flush, they are copied into a chunk of this connection's
/// own, up to ``chunkSize`` bytes: copying a few hundred bytes is cheaper than NIO's bookkeeping
/// for each extra pending write. A full chunk is handed on (written, not yet flushed) and the
/// next one started, so a busy connection's buffer never grows by reallocation.
struct PendingFrames {
    /// Bytes per chunk: a page's worth of typical broadcast frames.
    static let chunkSize = 4096

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

    /// Queues `frame`; `handOn` receives a chunk that is full (to write now, flush later).
    mutating func append(_ frame: ByteBuffer, handOn: (ByteBuffer) -> Void) {
        switch state {
        case .empty:
            state = .single(frame)
        case .single(let first):
            guard first.readableBytes + frame.readableBytes <= Self.chunkSize else {
                handOn(first)
                state = .single(frame)
                return
            }
            var merged = ByteBufferAllocator().buffer(capacity: Self.chunkSize)
            merged.writeImmutableBuffer(first)
            merged.writeImmutableBuffer(frame)
            state = .merged(merged)
        case .merged(var merged):
            guard merged.readableBytes + frame.readableBytes <= Self.chunkSize else {
                handOn(merged)
                state = .single(frame)
                return
            }
            state = .empty  // drop the enum's reference so the buffer is uniquely owned
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
