import NIOCore
import Synchronization

/// A connection's readiness (upgraded, connected, joined): completed once, by whichever comes
/// first of the handler, a failed connect or the timeout.
final class ReadySignal: Sendable {
    let promise: EventLoopPromise<Void>
    private let done = Atomic<Bool>(false)

    init(_ promise: EventLoopPromise<Void>) { self.promise = promise }

    var futureResult: EventLoopFuture<Void> { promise.futureResult }

    func succeed() {
        if done.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged { promise.succeed() }
    }

    func fail(_ error: any Error) {
        if done.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged { promise.fail(error) }
    }

    var isDone: Bool { done.load(ordering: .acquiring) }
}
