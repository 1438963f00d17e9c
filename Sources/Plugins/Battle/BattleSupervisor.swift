import Foundation
import NIOConcurrencyHelpers
import Runtime

/// Keeps every battle under way owned by exactly one live instance. At start-up it takes the
/// battles nobody holds (after a restart: all of them). In a cluster it then ticks: it renews
/// this instance's leases, takes over battles whose owner's lease ran out (the owner died),
/// reports this instance's share of each room again to a battle's new owner, and tells owners
/// which reporting instances left the cluster.
struct BattleSupervisor: Sendable {
    let service: BattleService
    let interval: Duration
    /// The statuses in which a battle has a clock that must run somewhere.
    static let running: Set<BattleStatus> = [.starting, .inProgress, .voting]
    private let lastHolders = NIOLockedValueBox<[String: String]>([:])

    init(service: BattleService, interval: Duration) {
        self.service = service
        self.interval = interval
    }

    private var owners: BattleOwners { service.owners }
    private var services: RuntimeServices { service.services }

    /// Takes over what nobody runs, then (in a cluster) ticks until shutdown.
    func start() async {
        await takeOverOrphans()
        if services.cluster.isDistributed { schedule() }
    }

    private func schedule() {
        services.jobs.schedule(at: services.clock.now().addingTimeInterval(interval.seconds), "battle supervisor") {
            await tick()
            schedule()
        }
    }

    func tick() async {
        for owner in owners.ownersNow { await owners.renew(owner) }
        await takeOverOrphans()
        await reportPresenceAgain()
        await forgetDepartedInstances()
    }

    /// Battles under way whose lease nobody holds: this instance takes them.
    func takeOverOrphans() async {
        do {
            let owned = Set(owners.owned)
            let ids = try service.battleIds(withStatus: Self.running).filter { !owned.contains($0) }
            guard !ids.isEmpty else { return }
            let holders = try await services.cluster.holders(ids.map(BattleOwners.leaseKey))
            for (id, holder) in zip(ids, holders) where holder == nil {
                do {
                    _ = try await owners.locate(id)
                } catch {
                    services.logger.warning("could not take a battle over", metadata: ["battle": "\(id)", "error": "\(error)"])
                }
            }
        } catch {
            services.logger.notice("could not look for battles to take over", metadata: ["error": "\(error)"])
        }
    }

    /// This instance's share of each room, to a battle whose owner changed or missed a report.
    private func reportPresenceAgain() async {
        let summaries = service.members.summaries()
        // Only the rooms this instance has members in now are remembered.
        let current = Set(summaries.map(\.battleId))
        lastHolders.withLockedValue { all in all = all.filter { current.contains($0.key) } }
        guard !summaries.isEmpty,
            let holders = try? await services.cluster.holders(summaries.map { BattleOwners.leaseKey($0.battleId) })
        else { return }
        let unreported = service.unreportedBattles
        for (summary, holder) in zip(summaries, holders) {
            let previous = lastHolders.withLockedValue { all in
                defer { all[summary.battleId] = holder }
                return all[summary.battleId]
            }
            if holder == nil || holder != previous || unreported.contains(summary.battleId) {
                await service.report(summary, connectionId: nil)
            }
        }
    }

    /// Shares of a room reported by instances no longer in the cluster are dropped.
    private func forgetDepartedInstances() async {
        for owner in owners.ownersNow {
            let reporting = await owner.reportingInstances.subtracting([services.cluster.instanceId])
            guard !reporting.isEmpty else { continue }
            let gone = reporting.subtracting(await services.cluster.liveInstances(reporting))
            if !gone.isEmpty { await owner.forget(instances: gone) }
        }
    }
}
