import Foundation
import NIOConcurrencyHelpers
import Runtime

/// Who is in which battle's room on this instance. Rooms are per instance (a connection lives
/// on one); the battle's owner, wherever it runs, sums each instance's ``PresenceReport``.
final class LocalMembers: Sendable {
    struct Member: Sendable {
        var connection: Connection
        var role: Identity.Role
        /// When the connection joined the battle's room (on the runtime clock).
        var joinedAt: Date
        /// The battle's `seq` its join caught up to (what it missed was sent to it alone).
        var caughtUpTo: Int
    }

    private struct State {
        var battles: [String: [String: Member]] = [:]
        var connections: [String: Set<String>] = [:]
        var version: UInt64 = 0
    }

    private let state = NIOLockedValueBox(State())
    /// Tells a restarted instance's reports (same id, counter from zero) from older ones.
    let epoch = ArenaID.make("ep")

    /// Adds the connection; the battle's new summary when that changed it.
    func add(_ connection: Connection, role: Identity.Role, to battleId: String, at now: Date, caughtUpTo seq: Int) -> PresenceSummary? {
        state.withLockedValue { state in
            guard state.battles[battleId]?[connection.id] == nil else {
                state.battles[battleId]?[connection.id]?.caughtUpTo = seq  // joined again, caught up again
                return nil
            }
            state.battles[battleId, default: [:]][connection.id] = Member(connection: connection, role: role, joinedAt: now, caughtUpTo: seq)
            state.connections[connection.id, default: []].insert(battleId)
            return Self.summary(of: battleId, in: &state)
        }
    }

    /// Removes the connection from one battle; nil when it was not in it.
    func remove(_ connectionId: String, from battleId: String) -> (member: Member, summary: PresenceSummary)? {
        state.withLockedValue { state in
            guard let member = state.battles[battleId]?.removeValue(forKey: connectionId) else { return nil }
            if state.battles[battleId]?.isEmpty == true { state.battles.removeValue(forKey: battleId) }
            state.connections[connectionId]?.remove(battleId)
            if state.connections[connectionId]?.isEmpty == true { state.connections.removeValue(forKey: connectionId) }
            return (member, Self.summary(of: battleId, in: &state))
        }
    }

    /// When the connection joined the battle's room; nil when it is not in it.
    func joinedAt(_ connectionId: String, battleId: String) -> Date? {
        state.withLockedValue { $0.battles[battleId]?[connectionId]?.joinedAt }
    }

    /// The connections here whose join caught them up to `seq` or later.
    func caughtUp(in battleId: String, to seq: Int) -> [String] {
        state.withLockedValue { state in (state.battles[battleId] ?? [:]).filter { $0.value.caughtUpTo >= seq }.map(\.key) }
    }

    /// The battles a connection is in.
    func battles(of connectionId: String) -> Set<String> {
        state.withLockedValue { $0.connections[connectionId] ?? [] }
    }

    /// The summary of every battle with members here (to report again to a new owner).
    func summaries() -> [PresenceSummary] {
        state.withLockedValue { state in state.battles.keys.sorted().map { Self.summary(of: $0, in: &state) } }
    }

    private static func summary(of battleId: String, in state: inout State) -> PresenceSummary {
        state.version += 1
        let members = state.battles[battleId] ?? [:]
        var agents: Set<String> = []
        var spectators = 0
        for member in members.values {
            if member.role == .agent, let agentId = member.connection.identity.agentId {
                agents.insert(agentId)
            } else {
                spectators += 1
            }
        }
        return PresenceSummary(battleId: battleId, agents: agents.sorted(), spectators: spectators, version: state.version)
    }
}

/// One instance's share of a battle's room.
struct PresenceSummary: Sendable, Equatable {
    var battleId: String
    var agents: [String]
    var spectators: Int
    /// Increases with each summary of this instance: the owner keeps the newest.
    var version: UInt64
}

/// An instance tells a battle's owner who of the battle is connected to it.
struct PresenceReport: BattleInput {
    static let topic = "battle.presence"
    struct Reply: Codable, Sendable {}

    var battleId: String
    var instance: String
    var epoch: String
    var version: UInt64
    var agents: [String]
    var spectators: Int
    /// The connection whose arrival changed it: it is not told of its own agent's arrival.
    var connectionId: String?
}
