import Foundation
import Runtime

/// A battle in LOBBY is an invitation: it starts when every participant has joined its room, and
/// one still waiting `[battle] lobby_timeout_seconds` after it was created is cancelled (an
/// opponent that never came declined it), so the lobby does not fill with battles that will
/// never start, and nobody can be held to an old invitation.
struct LobbyExpiry: Sendable {
    let service: BattleService
    /// How long a battle may wait for its agents; nil: forever.
    let timeout: Duration?

    private var services: RuntimeServices { service.services }

    /// How often waiting battles are looked at: a minute, or the timeout when it is shorter.
    var interval: Duration { min(timeout ?? .seconds(60), .seconds(60)) }

    /// Looks every `interval` until shutdown.
    func start() {
        guard timeout != nil else { return }
        _ = services.jobs.schedule(at: services.clock.now().addingTimeInterval(interval.seconds), "lobby expiry") {
            defer { start() }
            await sweep()
        }
    }

    /// Cancels the battles still in LOBBY that were created a timeout ago or earlier. Each goes
    /// through its owner, which checks the status again (the last agent may have just joined);
    /// one another instance owns is left to that instance's own sweep.
    func sweep() async {
        guard let timeout else { return }
        let cutoff = services.clock.now().addingTimeInterval(-timeout.seconds)
        let waiting: [String]
        do {
            waiting = try service.store.battleIds(withStatus: [.lobby], createdBefore: cutoff)
        } catch {
            services.logger.warning("could not look for expired invitations", metadata: ["error": "\(error)"])
            return
        }
        for battleId in waiting {
            do {
                try await service.owners.run(battleId) { owner in
                    guard owner.battle.status == .lobby else { return }
                    try owner.setStatus(.cancelled, round: 0)
                    owner.forgetPluginStates()
                }
            } catch {
                services.logger.notice("an expired invitation was not cancelled here", metadata: ["battle": "\(battleId)", "error": "\(error)"])
            }
        }
    }
}
