import NIOCore

/// Something with writes waiting for a flush.
protocol BatchFlushable: AnyObject {
    /// Set by the batcher while the object is queued, so it is queued once per batch.
    var isFlushQueued: Bool { get set }
    func flushNow()
}

/// Coalesces flushes on one event loop: channels written during the current loop tick are flushed
/// once, after the tick's other tasks ran, so several frames leave in one `writev` instead of one
/// syscall per frame. One batcher per event loop, only touched on that loop.
final class FlushBatcher: @unchecked Sendable {
    let eventLoop: any EventLoop
    private var queued: [any BatchFlushable] = []
    private var scheduled = false

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Queues `target` for the end-of-tick flush. Must be called on `eventLoop`.
    func markDirty(_ target: any BatchFlushable) {
        guard !target.isFlushQueued else { return }
        target.isFlushQueued = true
        queued.append(target)
        if !scheduled {
            scheduled = true
            eventLoop.execute { self.flushAll() }
        }
    }

    private func flushAll() {
        scheduled = false
        let targets = queued
        queued.removeAll(keepingCapacity: true)
        for target in targets {
            target.isFlushQueued = false
            target.flushNow()
        }
    }
}

/// One ``FlushBatcher`` per event loop of a group, fixed at start-up, so lookups need no lock.
final class FlushBatchers: Sendable {
    private let batchers: [ObjectIdentifier: FlushBatcher]

    init(group: any EventLoopGroup) {
        var batchers: [ObjectIdentifier: FlushBatcher] = [:]
        for loop in group.makeIterator() {
            batchers[ObjectIdentifier(loop)] = FlushBatcher(eventLoop: loop)
        }
        self.batchers = batchers
    }

    func batcher(for loop: any EventLoop) -> FlushBatcher? {
        batchers[ObjectIdentifier(loop)]
    }
}
