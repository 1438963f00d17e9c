import BattlePlugin
import Foundation
import Logging
import Runtime

/// Runs the vote of every battle: opens the window when turns end, records votes, sends the
/// coalesced live counts, and closes the window on time with results computed from the database.
actor VotingCoordinator: BattleConclusion {
    /// At most four live count updates a second, however fast votes arrive.
    static let updateInterval = 0.25

    let battles: BattleService
    let store: VoteStore
    let services: RuntimeServices
    let options: VotingOptions
    let logger: Logger
    private var lastUpdate: [String: Date] = [:]
    private var updateScheduled: Set<String> = []

    init(battles: BattleService, store: VoteStore, services: RuntimeServices, options: VotingOptions) {
        self.battles = battles
        self.store = store
        self.services = services
        self.options = options
        self.logger = services.logger
    }

    var clock: any RuntimeClock { services.clock }

    // MARK: Opening

    /// The turns are over: voting opens for `window_seconds`.
    func turnsEnded(battleId: String) async throws {
        guard let battle = try battles.battle(battleId), battle.status != .voting, battle.status != .completed else { return }
        guard battle.visibility == .public else {
            // Only participants may enter a private battle and they cannot vote: the judge decides.
            let judgment = try battles.judgment(battleId)
            try await battles.complete(battleId, votes: [:], judge: judgment?.judge, winnerId: judgment?.winnerId)
            return
        }
        let endsAt = clock.now().addingTimeInterval(options.windowSeconds)
        try store.open(battleId, endsAt: endsAt)
        try await battles.setStatus(.voting, round: battle.round, of: battleId)
        try await battles.append(VotingOpen(battleId: battleId, endsAt: endsAt, choices: battle.participants.map(\.id)), to: battleId)
        scheduleClose(battleId, at: endsAt)
    }

    private func scheduleClose(_ battleId: String, at date: Date) {
        clock.schedule(at: date) { Task { await self.close(battleId) } }
    }

    // MARK: Voting

    func vote(_ request: CastVote, by connection: Connection) async throws -> VoteRecorded {
        guard let battle = try battles.battle(request.battleId) else {
            throw ArenaError(.battleNotFound, "no battle \(request.battleId)", status: .notFound)
        }
        if battle.visibility == .private && !battle.isParticipant(connection.identity.agentId) {
            throw ArenaError(.privateBattle, "battle \(battle.id) is private to its participants", status: .forbidden)
        }
        guard battle.status == .voting, let window = try store.window(battle.id), !window.closed, window.endsAt > clock.now() else {
            throw ArenaError(.votingClosed, "voting is not open for battle \(battle.id)", status: .conflict)
        }
        guard battle.isParticipant(request.agentId) else {
            throw ArenaError(.invalidChoice, "\(request.agentId) is not one of the battle's agents")
        }
        if battle.isParticipant(connection.identity.agentId) {
            throw ArenaError(.cannotVoteOwnBattle, "participants cannot vote in their own battle", status: .forbidden)
        }
        switch try store.record(battleId: battle.id, voter: voter(connection), choice: request.agentId) {
        case .recorded:
            countsChanged(battle)
            return VoteRecorded(battleId: battle.id, agentId: request.agentId)
        case .alreadyVoted:
            throw ArenaError(.alreadyVoted, "this voter has already voted in battle \(battle.id)", status: .conflict)
        case .closed:
            throw ArenaError(.votingClosed, "voting is not open for battle \(battle.id)", status: .conflict)
        }
    }

    /// The voter: the agent for agent connections, else the client's address.
    func voter(_ connection: Connection) -> String {
        if let agentId = connection.identity.agentId { return "agent:\(agentId)" }
        if !options.trustedProxyHeader.isEmpty,
            let name = HTTPField.Name(options.trustedProxyHeader),
            let forwarded = connection.handshakeHeaders[name]?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces),
            !forwarded.isEmpty
        {
            return "ip:\(forwarded)"
        }
        return "ip:\(connection.remoteIP)"
    }

    // MARK: Live counts

    private func countsChanged(_ battle: Battle) {
        guard !updateScheduled.contains(battle.id) else { return }
        let now = clock.now()
        if let last = lastUpdate[battle.id], now.timeIntervalSince(last) < Self.updateInterval {
            updateScheduled.insert(battle.id)
            clock.schedule(at: last.addingTimeInterval(Self.updateInterval)) {
                Task { await self.sendUpdate(battle, scheduled: true) }
            }
        } else {
            sendUpdate(battle, scheduled: false)
        }
    }

    /// Sends the counts as stored now, so the last update always matches the database.
    private func sendUpdate(_ battle: Battle, scheduled: Bool) {
        if scheduled { updateScheduled.remove(battle.id) }
        lastUpdate[battle.id] = clock.now()
        guard let counts = try? store.counts(battle.id, choices: battle.participants.map(\.id)) else { return }
        battles.emit(VoteUpdate(battleId: battle.id, counts: counts, total: counts.values.reduce(0, +)), toBattle: battle.id)
    }

    // MARK: Closing

    /// Closes the window once and completes the battle: most votes wins; a tie goes to the
    /// judge's pick when it is among the tied, else there is no winner.
    func close(_ battleId: String) async {
        do {
            guard let battle = try battles.battle(battleId), let window = try store.window(battleId), !window.closed else { return }
            guard window.endsAt <= clock.now() else {
                scheduleClose(battleId, at: window.endsAt)
                return
            }
            // A live update still scheduled goes out on its own time and reads these same counts.
            guard let counts = try store.close(battleId, choices: battle.participants.map(\.id)) else { return }
            let judgment = try battles.judgment(battleId)
            let winner = Self.winner(counts: counts, judgeWinner: judgment?.winnerId)
            try await battles.complete(battleId, votes: counts, judge: judgment?.judge, winnerId: winner)
        } catch {
            logger.error("could not close voting", metadata: ["battle": "\(battleId)", "error": "\(error)"])
        }
    }

    static func winner(counts: [String: Int], judgeWinner: String?) -> String? {
        guard let top = counts.values.max(), top > 0 else { return judgeWinner }
        let leaders = counts.filter { $0.value == top }.map(\.key)
        if leaders.count == 1 { return leaders[0] }
        if let judgeWinner, leaders.contains(judgeWinner) { return judgeWinner }
        return nil
    }

    /// After a restart: close windows that ended while the server was down, re-arm the others.
    func resume() async {
        do {
            for (battleId, endsAt) in try store.openWindows() {
                if endsAt <= clock.now() {
                    await close(battleId)
                } else {
                    scheduleClose(battleId, at: endsAt)
                }
            }
        } catch {
            logger.error("could not resume voting", metadata: ["error": "\(error)"])
        }
    }
}

import HTTPTypes
