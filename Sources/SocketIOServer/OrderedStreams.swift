import NIOConcurrencyHelpers
import SocketIOProtocol

/// Broadcasts that belong to an ordered stream, each with its place in it (a battle's logged
/// events and their `seq`): how to tell them apart, and how to read back the ones a server did
/// not receive. The application installs it on an adapter whose broadcasts come from several
/// servers (``OrderedStreamHost``), where one may arrive late: a server paused between storing an
/// event and publishing it publishes it when it resumes, after the events another server stored
/// after it meanwhile.
public protocol OrderedStreams: Sendable {
    /// The stream and place of a broadcast to `rooms`; nil for one outside every stream.
    func place(of event: String, _ arguments: [JSONValue], rooms: [String]) -> (stream: String, seq: Int)?
    /// The stream's broadcasts after `after` and before `before`, in order, as they were stored
    /// (empty when they cannot be read).
    func missing(in stream: String, after: Int, before: Int) async -> [OrderedBroadcast]
}

/// One broadcast of an ordered stream, read back to fill a gap.
public struct OrderedBroadcast: Sendable {
    public var seq: Int
    public var event: String
    public var arguments: [JSONValue]
    public var rooms: [String]
    /// Sockets that have it already (a client that caught up on its own when it joined).
    public var exceptSocketIds: [String]

    public init(seq: Int, event: String, arguments: [JSONValue], rooms: [String], exceptSocketIds: [String] = []) {
        self.seq = seq
        self.event = event
        self.arguments = arguments
        self.rooms = rooms
        self.exceptSocketIds = exceptSocketIds
    }
}

/// An adapter that can deliver ordered streams in order.
public protocol OrderedStreamHost: AnyObject, Sendable {
    func order(_ streams: any OrderedStreams)
}

/// Delivers each stream's broadcasts to this server's sockets in their order and once, whichever
/// server sent them and whenever they arrive: the next place is delivered at once; a place
/// already passed (a late copy) is dropped; a place beyond the next opens a gap, which is read
/// back from the stream's store and delivered first, while what arrives for the stream meanwhile
/// waits. A stream's first broadcast seen here sets where it starts.
public final class StreamSequencer: Sendable {
    private struct Waiting {
        var seq: Int
        var deliver: @Sendable () -> Void
    }

    private struct Stream {
        var last: Int
        var filling = false
        var waiting: [Waiting] = []
        var used: UInt64
    }

    private struct State {
        var streams: [String: Stream] = [:]
        var clock: UInt64 = 0
    }

    /// Streams remembered at most; the least recently used are forgotten past it (a forgotten
    /// stream starts again from its next broadcast).
    static let capacity = 10_000

    public let streams: any OrderedStreams
    /// Delivers a broadcast read back to fill a gap.
    private let deliverMissing: @Sendable (OrderedBroadcast) -> Void
    private let state = NIOLockedValueBox(State())

    public init(streams: any OrderedStreams, deliverMissing: @escaping @Sendable (OrderedBroadcast) -> Void) {
        self.streams = streams
        self.deliverMissing = deliverMissing
    }

    /// Delivers (under the sequencer's lock, so deliveries of a stream keep their order), drops,
    /// or holds a broadcast at `seq` of `stream`.
    public func offer(stream: String, seq: Int, deliver: @escaping @Sendable () -> Void) {
        let gap: (after: Int, before: Int)? = state.withLockedValue { state in
            state.clock += 1
            guard var current = state.streams[stream] else {
                if state.streams.count >= Self.capacity { Self.forgetOldest(&state) }
                state.streams[stream] = Stream(last: seq, used: state.clock)
                deliver()
                return nil
            }
            current.used = state.clock
            defer { state.streams[stream] = current }
            if current.filling {
                current.waiting.append(Waiting(seq: seq, deliver: deliver))
                return nil
            }
            if seq <= current.last { return nil }  // a late copy: delivered from the store already
            if seq == current.last + 1 {
                current.last = seq
                deliver()
                return nil
            }
            current.filling = true
            current.waiting = [Waiting(seq: seq, deliver: deliver)]
            return (current.last, seq)
        }
        if let gap { Task { await fill(stream, after: gap.after, before: gap.before) } }
    }

    /// Reads a gap back, delivers it, then what waited; again while what waited has a gap.
    private func fill(_ stream: String, after: Int, before: Int) async {
        var gap: (after: Int, before: Int)? = (after, before)
        while let (after, before) = gap {
            let missing = await streams.missing(in: stream, after: after, before: before)
            gap = state.withLockedValue { state in
                guard var current = state.streams[stream] else { return nil }
                defer { state.streams[stream] = current }
                for broadcast in missing where broadcast.seq > current.last && broadcast.seq < before {
                    deliverMissing(broadcast)
                    current.last = broadcast.seq
                }
                // What could not be read is passed over rather than waited for forever.
                current.last = max(current.last, before - 1)
                var waiting = current.waiting.sorted { $0.seq < $1.seq }[...]
                while let next = waiting.first {
                    if next.seq <= current.last {
                        waiting.removeFirst()
                    } else if next.seq == current.last + 1 {
                        current.last = next.seq
                        next.deliver()
                        waiting.removeFirst()
                    } else {
                        current.waiting = Array(waiting)
                        return (current.last, next.seq)
                    }
                }
                current.waiting = []
                current.filling = false
                return nil
            }
        }
    }

    private static func forgetOldest(_ state: inout State) {
        let idle = state.streams.filter { !$0.value.filling }.sorted { $0.value.used < $1.value.used }
        for (stream, _) in idle.prefix(max(capacity / 10, 1)) { state.streams.removeValue(forKey: stream) }
    }

    /// The place a stream has reached here (tests).
    public func last(of stream: String) -> Int? {
        state.withLockedValue { $0.streams[stream]?.last }
    }
}
