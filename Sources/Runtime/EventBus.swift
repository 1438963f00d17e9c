import NIOConcurrencyHelpers

/// A fact one plugin tells others, in-process (`BattleReady`, `TurnAccepted`). Never on the wire.
public protocol BusEvent: Sendable {}

/// Typed publish/subscribe between plugins, so they cooperate without importing each other's
/// internals. Subscribers are added while plugins register and run in registration order.
public final class EventBus: Sendable {
    private let subscribers = NIOLockedValueBox<[ObjectIdentifier: [@Sendable (any BusEvent) async -> Void]]>([:])

    public init() {}

    public func subscribe<E: BusEvent>(_ type: E.Type, _ handler: @escaping @Sendable (E) async -> Void) {
        subscribers.withLockedValue {
            $0[ObjectIdentifier(type), default: []].append { event in
                if let event = event as? E { await handler(event) }
            }
        }
    }

    /// Delivers the event to every subscriber, one after the other, and returns when all are done.
    public func publish<E: BusEvent>(_ event: E) async {
        let handlers = subscribers.withLockedValue { $0[ObjectIdentifier(E.self)] ?? [] }
        for handler in handlers {
            await handler(event)
        }
    }
}
