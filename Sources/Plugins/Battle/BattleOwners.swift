import Foundation
import NIOConcurrencyHelpers
import Runtime

/// Which battles this instance runs, and the way to run something on one. Owning a battle is
/// explicit: ``acquire(_:)`` loads it and makes its ``BattleOwner``; the owner releases itself
/// when the battle is over and its room is empty. Scale-out puts a lease in `acquire`; nothing
/// else about running a battle changes.
public final class BattleOwners: Sendable {
    let store: BattleStore
    let services: RuntimeServices
    let presenceInterval: Duration
    private let conclusion: Contributions<any BattleConclusion>
    private let owners = NIOLockedValueBox<[String: BattleOwner]>([:])
    /// The last presence of each owned battle, for the lobby's list (read without the owners).
    private let presence = NIOLockedValueBox<[String: LobbyPresence]>([:])
    private let onStatusChange: @Sendable () -> Void

    init(
        store: BattleStore, services: RuntimeServices, presenceInterval: Duration,
        conclusion: Contributions<any BattleConclusion>, onStatusChange: @escaping @Sendable () -> Void
    ) {
        self.store = store
        self.services = services
        self.presenceInterval = presenceInterval
        self.conclusion = conclusion
        self.onStatusChange = onStatusChange
    }

    /// The battle's owner, loading the battle if this instance does not run it yet.
    public func acquire(_ battleId: String) throws -> BattleOwner {
        if let owner = owners.withLockedValue({ $0[battleId] }) { return owner }
        guard let battle = try store.battle(battleId) else { throw ArenaError.battleNotFound(battleId) }
        return owners.withLockedValue { all in
            if let existing = all[battleId] { return existing }
            let owner = BattleOwner(battle: battle, owners: self, conclusion: conclusion.one)
            all[battleId] = owner
            return owner
        }
    }

    /// Runs `body` on the battle's owner, isolated to it: a transition of the battle's rules and
    /// the writes and broadcasts it leads to, with no other input of the battle in between.
    /// Throws BATTLE_NOT_FOUND for an unknown battle.
    @discardableResult
    public func run<R: Sendable>(_ battleId: String, _ body: @Sendable (isolated BattleOwner) throws -> R) async throws -> R {
        while true {
            let owner = try acquire(battleId)
            if let result = try await owner.ifHeld(body) { return result }
            // Released between acquiring and running: the next acquire loads it afresh.
        }
    }

    /// The battles this instance owns now.
    public var owned: [String] { owners.withLockedValue { Array($0.keys) } }

    func release(_ owner: BattleOwner) {
        let released = owners.withLockedValue { all in
            guard all[owner.battleId] === owner else { return false }
            all.removeValue(forKey: owner.battleId)
            return true
        }
        if released { _ = presence.withLockedValue { $0.removeValue(forKey: owner.battleId) } }
    }

    /// Records a battle's presence as its owner announced it.
    func presenceChanged(_ battleId: String, _ value: LobbyPresence) {
        presence.withLockedValue { $0[battleId] = value }
    }

    /// A battle's presence for the lobby: empty when no owner runs it.
    func presence(of battleId: String) -> LobbyPresence {
        presence.withLockedValue { $0[battleId] } ?? LobbyPresence()
    }

    func statusChanged() { onStatusChange() }
}
