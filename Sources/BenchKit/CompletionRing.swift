import Synchronization

/// Closed-loop bookkeeping: how many receivers still miss each outstanding broadcast. Receivers
/// on any event loop count down without a lock; the one that reaches zero completes it.
///
/// A slot packs the sequence number (high 40 bits) and the receivers still missing it (low 24).
final class CompletionRing: Sendable {
    private final class Slot: Sendable {
        let state = Atomic<UInt64>(UInt64.max)
    }

    private static let countBits: UInt64 = 24
    private static let countMask: UInt64 = (1 << countBits) - 1
    static let maxReceivers = Int(countMask)

    private let slots: [Slot]
    private let mask: Int

    /// - Parameter capacity: slots, rounded up to a power of two; must exceed the broadcasts
    ///   that can be outstanding at once.
    init(capacity: Int) {
        var size = 1
        while size < capacity { size <<= 1 }
        slots = (0..<size).map { _ in Slot() }
        mask = size - 1
    }

    /// Starts tracking `seq`. Returns false when its slot still held an unfinished broadcast
    /// (lost, or later than `capacity` others).
    @discardableResult
    func arm(seq: UInt64, receivers: Int) -> Bool {
        let previous = slots[Int(seq) & mask].state.exchange(seq << Self.countBits | UInt64(receivers), ordering: .acquiringAndReleasing)
        return previous == UInt64.max || previous & Self.countMask == 0
    }

    /// One receiver got `seq`; true when it was the last one.
    func arrive(seq: UInt64) -> Bool {
        let slot = slots[Int(seq) & mask]
        var current = slot.state.load(ordering: .acquiring)
        while true {
            guard current != UInt64.max, current >> Self.countBits == seq, current & Self.countMask > 0 else { return false }
            let (exchanged, original) = slot.state.compareExchange(
                expected: current, desired: current - 1, ordering: .acquiringAndReleasing
            )
            if exchanged { return current & Self.countMask == 1 }
            current = original
        }
    }
}
