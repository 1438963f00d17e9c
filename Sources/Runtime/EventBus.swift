import NIOConcurrencyHelpers

/// A fact one plugin tells others, in-process (`BattleReady`, `TurnAccepted`). Never on the wire.
public protocol BusEvent: Sendable {}

/// Typed publish/subscribe between plugins, so they cooperate without importing each other's
/// internals. Subscribers are added while plugins register (``Registrar/subscribe(_:_:)``) and
/// run in registration order; once registration closes the bus takes no new subscriber, and
/// plugins see it only as an ``EventPublisher``.
package final class EventBus: Sendable {
    private let subscribers = NIOLockedValueBox<[ObjectIdentifier: [@Sendable (any BusEvent) async -> Void]]>([:])

    package init() {}

    package func subscribe<E: BusEvent>(_ type: E.Type, _ handler: @escaping @Sendable (E) async -> Void) {
        subscribers.withLockedValue {
            $0[ObjectIdentifier(type), default: []].append { event in
                if let event = event as? E { await handler(event) }
            }
        }
    }

    /// Delivers the event to every subscriber, one after the other, and returns when all are done.
    package func publish<E: BusEvent>(_ event: E) async {
        let handlers = subscribers.withLockedValue { $0[ObjectIdentifier(E.self)] ?? [] }
        for handler in handlers {
            await handler(event)
        }
    }
}

/// The bus as handlers see it: they tell facts; who listens was fixed at boot.
public struct EventPublisher: Sendable {
    let bus: EventBus

    package init(bus: EventBus) {
        self.bus = bus
    }

    /// Delivers the event to every subscriber, one after the other, and returns when all are done.
    public func publish<E: BusEvent>(_ event: E) async {
        await bus.publish(event)
    }
}
