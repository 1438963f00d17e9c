import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOEmbedded
import Runtime
import ServiceLifecycle
import Testing

@Suite struct BackgroundJobsTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func jobs() -> (BackgroundJobs, NIOAsyncTestingEventLoop) {
        let loop = NIOAsyncTestingEventLoop()
        return (BackgroundJobs(clock: EventLoopClock(eventLoop: loop, startDate: start), logger: Logger(label: "test")), loop)
    }

    @Test func aJobPastItsTimeoutOnTheRuntimeClockIsCancelled() async throws {
        let (jobs, loop) = Self.jobs()
        let (cancelled, continuation) = AsyncStream<Bool>.makeStream()
        jobs.start("hangs", timeout: .seconds(5)) {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
            } onCancel: {
                continuation.yield(true)
            }
        }
        #expect(jobs.runningCount == 1)
        await loop.advanceTime(by: .seconds(4))
        #expect(jobs.runningCount == 1)
        await loop.advanceTime(by: .seconds(1))
        await jobs.idle()
        #expect(jobs.runningCount == 0)
        var iterator = cancelled.makeAsyncIterator()
        #expect(await iterator.next() == true)
    }

    @Test func aScheduledJobStartsWhenTheClockReachesItsDate() async throws {
        let (jobs, loop) = Self.jobs()
        let ran = NIOLockedValueBox(false)
        let clock = EventLoopClock(eventLoop: loop, startDate: Self.start)
        jobs.schedule(at: clock.now().addingTimeInterval(10), "later") { ran.withLockedValue { $0 = true } }
        await loop.advanceTime(by: .seconds(9))
        await jobs.idle()
        #expect(!ran.withLockedValue { $0 })
        await loop.advanceTime(by: .seconds(1))
        await jobs.idle()
        #expect(ran.withLockedValue { $0 })
    }

    @Test func onceShutdownBeginsNewJobsAreRefused() async {
        let (jobs, _) = Self.jobs()
        jobs.stopAccepting()
        jobs.start("too late") { Issue.record("a job started during shutdown") }
        #expect(jobs.runningCount == 0)
    }

    @Test func shutdownWaitsForRunningJobs() async throws {
        let (jobs, _) = Self.jobs()
        let (release, releaser) = AsyncStream<Void>.makeStream()
        let finished = NIOLockedValueBox(false)
        jobs.start("slow write") {
            for await _ in release { break }
            finished.withLockedValue { $0 = true }
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: jobs)], logger: Logger(label: "test")))
        // What the job had done when the group returned: it must have finished by then.
        let running = Task {
            try await group.run()
            return finished.withLockedValue { $0 }
        }
        await group.triggerGracefulShutdown()
        releaser.yield()
        #expect(try await running.value == true)
        #expect(jobs.runningCount == 0)
    }
}
