import CoreMetrics
import NIOConcurrencyHelpers

/// The runtime's counters and gauges, created through an explicit factory (Prometheus in the
/// server, a no-op in tests) rather than a process-wide bootstrap.
public final class RuntimeMetrics: Sendable {
    private let factory: any MetricsFactory
    private let counters = NIOLockedValueBox<[String: Counter]>([:])
    private let gauges = NIOLockedValueBox<[String: Gauge]>([:])

    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// Counts one handled client event by name and outcome (`ok` or an error code).
    public func eventHandled(_ event: String, outcome: String) {
        counter("moltarena_events_total", ["event": event, "outcome": outcome]).increment()
    }

    /// Sets the number of open connections of a role.
    public func connections(role: Identity.Role, count: Int) {
        gauge("moltarena_connections", ["role": role.rawValue]).record(count)
    }

    /// A gauge plugins use for their own state (battles by status, for one).
    public func gauge(_ label: String, _ dimensions: [String: String]) -> Gauge {
        let key = label + dimensions.sorted(by: { $0.key < $1.key }).map { "|\($0.key)=\($0.value)" }.joined()
        return gauges.withLockedValue { gauges in
            if let existing = gauges[key] { return existing }
            let gauge = Gauge(label: label, dimensions: dimensions.sorted(by: { $0.key < $1.key }).map { ($0.key, $0.value) }, factory: factory)
            gauges[key] = gauge
            return gauge
        }
    }

    public func counter(_ label: String, _ dimensions: [String: String]) -> Counter {
        let key = label + dimensions.sorted(by: { $0.key < $1.key }).map { "|\($0.key)=\($0.value)" }.joined()
        return counters.withLockedValue { counters in
            if let existing = counters[key] { return existing }
            let counter = Counter(label: label, dimensions: dimensions.sorted(by: { $0.key < $1.key }).map { ($0.key, $0.value) }, factory: factory)
            counters[key] = counter
            return counter
        }
    }
}
