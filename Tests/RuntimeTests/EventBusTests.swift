import NIOConcurrencyHelpers
import Testing
@testable import Runtime

@Suite struct EventBusTests {
    struct Started: BusEvent { var id: Int }
    struct Stopped: BusEvent { var id: Int }

    @Test func subscribersOfATypeRunInOrderAndOthersDoNot() async {
        let bus = EventBus()
        let log = NIOLockedValueBox<[String]>([])
        bus.subscribe(Started.self) { event in log.withLockedValue { $0.append("first \(event.id)") } }
        bus.subscribe(Started.self) { event in log.withLockedValue { $0.append("second \(event.id)") } }
        bus.subscribe(Stopped.self) { event in log.withLockedValue { $0.append("stopped \(event.id)") } }
        await bus.publish(Started(id: 1))
        #expect(log.withLockedValue { $0 } == ["first 1", "second 1"])
        await bus.publish(Stopped(id: 2))
        #expect(log.withLockedValue { $0 } == ["first 1", "second 1", "stopped 2"])
    }

    @Test func publishingWithoutSubscribersIsHarmless() async {
        await EventBus().publish(Started(id: 3))
    }
}
