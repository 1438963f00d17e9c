import Foundation
import Runtime
import SocketIOProtocol

/// The lobby's list shows each battle's presence as its owner counts it (summed across the
/// instances of a cluster). Battles owned here answer from memory; for the others, each owning
/// instance is asked once for all of its battles, briefly: a lobby list is worth more on time
/// than complete, so an instance that does not answer leaves its battles' counts empty (its
/// live `lobby:battle` updates fill them in).
extension BattleOwners {
    static let lobbyPresenceTopic = "battle.lobby-presence"
    static let lobbyPresenceTimeout: Duration = .seconds(1)

    /// Answers other instances' ``lobbyPresence(of:)`` for the battles owned here.
    func handleLobbyPresenceRequests() {
        services.cluster.handle(topic: Self.lobbyPresenceTopic) { [weak self] body in
            guard let self, let ids = try? ArenaJSON.decode([String].self, from: try JSONParser.parse(body)) else { return [] }
            let known = Dictionary(uniqueKeysWithValues: ids.compactMap { id in self.ownedPresence(of: id).map { (id, $0) } })
            return (try? ArenaJSON.encode(known)) ?? []
        }
    }

    /// The presence of each battle, wherever in the cluster it is owned (empty for battles that
    /// no instance runs, or whose instance did not answer in time).
    func lobbyPresence(of battleIds: [String]) async -> [String: LobbyPresence] {
        var result: [String: LobbyPresence] = [:]
        var elsewhere: [String] = []
        for id in battleIds {
            if let known = ownedPresence(of: id) { result[id] = known } else { elsewhere.append(id) }
        }
        guard cluster.isDistributed, !elsewhere.isEmpty, let holders = try? await cluster.holders(elsewhere.map(Self.leaseKey)) else {
            return result
        }
        var byInstance: [String: [String]] = [:]
        for (id, holder) in zip(elsewhere, holders) {
            if let holder, holder != cluster.instanceId { byInstance[holder, default: []].append(id) }
        }
        await withTaskGroup(of: [String: LobbyPresence].self) { group in
            for (instance, ids) in byInstance {
                group.addTask {
                    guard let body = try? ArenaJSON.encode(ids),
                        let answer = try? await self.cluster.request(
                            instance, topic: Self.lobbyPresenceTopic, body, timeout: Self.lobbyPresenceTimeout),
                        let decoded = try? ArenaJSON.decode([String: LobbyPresence].self, from: try JSONParser.parse(answer))
                    else { return [:] }
                    return decoded
                }
            }
            for await answered in group { result.merge(answered) { local, _ in local } }
        }
        return result
    }
}
