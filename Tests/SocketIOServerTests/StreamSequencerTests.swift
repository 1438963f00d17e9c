import NIOConcurrencyHelpers
import SocketIOProtocol
import SocketIOServer
import Testing

/// An ordered stream's broadcasts reach this server's sockets in order and once, however they
/// arrive: the case of an owner paused between storing an event and publishing it.
@Suite struct StreamSequencerTests {
    /// A stream kept in memory, read back with `missing`, that can hold its reads until told.
    final class Store: OrderedStreams, @unchecked Sendable {
        let stored: [Int: String]
        private let lock = NIOLock()
        private var gate: CheckedContinuation<Void, Never>?
        private var holding: Bool

        init(stored: [Int: String], holdReads: Bool = false) {
            self.stored = stored
            self.holding = holdReads
        }

        func place(of event: String, _ arguments: [JSONValue], rooms: [String]) -> (stream: String, seq: Int)? { nil }

        func missing(in stream: String, after: Int, before: Int) async -> [OrderedBroadcast] {
            let hold = lock.withLock { holding }
            if hold { await withCheckedContinuation { continuation in lock.withLock { gate = continuation } } }
            return stored.keys.sorted().filter { $0 > after && $0 < before }.map {
                OrderedBroadcast(seq: $0, event: stored[$0]!, arguments: [], rooms: ["battle:b"])
            }
        }

        var isReading: Bool { lock.withLock { gate != nil } }

        func release() {
            lock.withLock {
                holding = false
                gate?.resume()
                gate = nil
            }
        }
    }

    final class Delivered: @unchecked Sendable {
        private let lock = NIOLock()
        private var seqs: [Int] = []
        func add(_ seq: Int) { lock.withLock { seqs.append(seq) } }
        var all: [Int] { lock.withLock { seqs } }
    }

    func waitUntil(_ condition: () -> Bool) async {
        let deadline = ContinuousClock.now + .seconds(5)
        while !condition() && ContinuousClock.now < deadline { await Task.yield() }
    }

    @Test func aGapIsFilledFromTheStoreAndALateCopyIsDropped() async {
        let delivered = Delivered()
        let sequencer = StreamSequencer(streams: Store(stored: [4: "turn", 5: "commentary", 6: "turn"])) { delivered.add($0.seq) }
        sequencer.offer(stream: "b", seq: 4) { delivered.add(4) }  // the first seen: where it starts
        sequencer.offer(stream: "b", seq: 6) { delivered.add(6) }  // 5 has not come: read back
        await waitUntil { sequencer.last(of: "b") == 6 }
        sequencer.offer(stream: "b", seq: 5) { delivered.add(5) }  // the paused owner's late copy
        sequencer.offer(stream: "b", seq: 7) { delivered.add(7) }
        #expect(delivered.all == [4, 5, 6, 7])
    }

    @Test func whatArrivesWhileAGapIsReadWaitsItsTurn() async {
        let store = Store(stored: [2: "a", 3: "b", 4: "c", 5: "d"], holdReads: true)
        let delivered = Delivered()
        let sequencer = StreamSequencer(streams: store) { delivered.add($0.seq) }
        sequencer.offer(stream: "b", seq: 1) { delivered.add(1) }
        sequencer.offer(stream: "b", seq: 4) { delivered.add(4) }  // 2 and 3 are read back
        await waitUntil { store.isReading }
        sequencer.offer(stream: "b", seq: 6) { delivered.add(6) }  // 5 missing again: a second read
        sequencer.offer(stream: "b", seq: 3) { delivered.add(3) }  // arrives during the read
        #expect(delivered.all == [1])
        store.release()
        await waitUntil { sequencer.last(of: "b") == 6 }
        #expect(delivered.all == [1, 2, 3, 4, 5, 6])
    }

    @Test func aGapThatCannotBeReadIsPassedOver() async {
        let delivered = Delivered()
        let sequencer = StreamSequencer(streams: Store(stored: [:])) { delivered.add($0.seq) }
        sequencer.offer(stream: "b", seq: 1) { delivered.add(1) }
        sequencer.offer(stream: "b", seq: 3) { delivered.add(3) }
        await waitUntil { sequencer.last(of: "b") == 3 }
        #expect(delivered.all == [1, 3])
        sequencer.offer(stream: "other", seq: 9) { delivered.add(9) }  // streams are apart
        #expect(delivered.all == [1, 3, 9])
    }
}
