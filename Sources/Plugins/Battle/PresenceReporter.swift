import NIOConcurrencyHelpers

/// Sends this instance's presence reports to battles' owners one at a time per battle, the
/// newest each time.
///
/// Every join, leave and disconnect reports on its own task, so two reports of one battle could
/// travel at once and arrive in either order. The owner keeps the newest of what it holds, but an
/// owner that has let its battle go (finished, its room emptied by the newer report) holds
/// nothing: an older report arriving after it would start a new owner with members long gone,
/// which would then hold the battle forever. One report in flight per battle, followed by the
/// newest of those that came meanwhile (the others are superseded), makes the last one to arrive
/// the newest. A caller returns once its report, or a newer one of its battle, was delivered.
final class PresenceReporter: Sendable {
    private struct Flight {
        /// The newest report that came while one was in flight.
        var next: PresenceReport?
        /// Callers whose reports `next` carries or supersedes.
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let flights = NIOLockedValueBox<[String: Flight]>([:])

    /// Delivers `report`, or leaves it to the report of its battle in flight (which delivers it,
    /// or a newer one, next) and waits for that.
    func send(_ report: PresenceReport, deliver: @Sendable (PresenceReport) async -> Void) async {
        let leads = NIOLockedValueBox(false)
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let lead = flights.withLockedValue { flights -> Bool in
                guard var flight = flights[report.battleId] else {
                    flights[report.battleId] = Flight()
                    return true
                }
                flight.next = Self.newer(flight.next, report)
                flight.waiters.append(waiter)
                flights[report.battleId] = flight
                return false
            }
            if lead {
                leads.withLockedValue { $0 = true }
                waiter.resume()
            }
        }
        guard leads.withLockedValue({ $0 }) else { return }
        var current = report
        var waiting: [CheckedContinuation<Void, Never>] = []
        while true {
            await deliver(current)
            for waiter in waiting { waiter.resume() }
            let following = flights.withLockedValue { flights -> (PresenceReport, [CheckedContinuation<Void, Never>])? in
                guard let flight = flights[report.battleId], let next = flight.next else {
                    flights.removeValue(forKey: report.battleId)
                    return nil
                }
                flights[report.battleId] = Flight()
                return (next, flight.waiters)
            }
            guard let (next, waiters) = following else { return }
            current = next
            waiting = waiters
        }
    }

    /// How many callers wait for the battle's report in flight (tests).
    func waiting(for battleId: String) -> Int {
        flights.withLockedValue { $0[battleId]?.waiters.count ?? 0 }
    }

    /// The newer of two reports of one battle; a connection whose arrival the older one announced
    /// stays named, so it is still not told of its own agent's arrival.
    private static func newer(_ old: PresenceReport?, _ new: PresenceReport) -> PresenceReport {
        guard let old else { return new }
        var newest = old.version > new.version ? old : new
        newest.connectionId = new.connectionId ?? old.connectionId
        return newest
    }
}
