import BattlePlugin
import Foundation
import Logging
import Runtime

/// Runs each battle's ``VotingWindowMachine`` on the battle's owner: opens the window when the
/// turns end (it is the battle's conclusion), records votes, sends the coalesced live counts,
/// and closes the window on time with results computed from the database.
struct VotingCoordinator: BattleConclusion {
    /// The machine's slot on a battle's owner.
    enum MachineKey: BattleStateKey {
        typealias Value = VotingWindowMachine
    }

    let battles: BattleService
    let store: VoteStore
    let services: RuntimeServices
    let options: VotingOptions
    let logger: Logger
    /// When an agent was created (for `min_agent_age_seconds`).
    let agentCreatedAt: @Sendable (String) -> Date?

    init(
        battles: BattleService, store: VoteStore, services: RuntimeServices, options: VotingOptions,
        agentCreatedAt: @escaping @Sendable (String) -> Date? = { _ in nil }
    ) {
        self.agentCreatedAt = agentCreatedAt
        self.battles = battles
        self.store = store
        self.services = services
        self.options = options
        self.logger = services.logger
    }

    // MARK: Inputs

    /// The turns are over: voting opens for `window_seconds` (a private battle completes with
    /// the judge's result: only its participants may enter it, and they cannot vote).
    func turnsEnded(on owner: isolated BattleOwner) throws {
        try step(.turnsEnded(windowSeconds: options.windowSeconds), on: owner)
    }

    /// `battle:vote`: to the battle's owner, wherever it runs.
    func vote(_ request: CastVote, by connection: Connection) async throws -> VoteRecorded {
        try await battles.owners.send(
            VoteSubmission(
                battleId: request.battleId, voter: voterKey(connection),
                voterAgentId: connection.identity.agentId, choice: request.agentId,
                joinedRoomAt: battles.joinedRoom(connection, battleId: request.battleId),
                voterAgentCreatedAt: options.minAgentAgeSeconds > 0 ? connection.identity.agentId.flatMap(agentCreatedAt) : nil
            ))
    }

    /// Who votes: the client's identity as every limit counts it (the agent, or the address
    /// through `[connection] trusted_proxy_header`); `[voting] trusted_proxy_header`, kept for
    /// files that set it, names another header for votes alone.
    private func voterKey(_ connection: Connection) -> String {
        options.trustedProxyHeader.isEmpty ? connection.identityKey : connection.clientKey(trustedProxyHeader: options.trustedProxyHeader)
    }

    /// On the owner's instance: the window's rules, then the vote stored once per voter.
    func accept(_ request: VoteSubmission) async throws -> VoteRecorded {
        let vote = VotingWindowMachine.Vote(voter: request.voter, voterAgentId: request.voterAgentId, choice: request.choice)
        return try await battles.owners.run(request.battleId) { owner in
            let now = services.clock.now()
            let machine = try machine(on: owner)
            try machine.admit(vote, now: now)
            try eligible(request, machine: machine, now: now)
            let outcome = try owner.write { db in try store.record(battleId: owner.battleId, voter: vote.voter, choice: vote.choice, in: db) }
            switch outcome {
            case .recorded:
                try step(.voteStored, on: owner)
                return VoteRecorded(battleId: owner.battleId, agentId: vote.choice)
            case .alreadyVoted:
                throw ArenaError(.alreadyVoted, "this voter has already voted in battle \(owner.battleId)", status: .conflict)
            case .closed:
                throw ArenaError(.votingClosed, "voting is not open for battle \(owner.battleId)", status: .conflict)
            }
        }
    }

    /// `voters` and `min_agent_age_seconds`, decided from what the submission carries.
    func eligible(_ request: VoteSubmission, machine: VotingWindowMachine, now: Date) throws {
        if options.voters == .presentBeforeVoting, case .open(let endsAt) = machine.phase {
            let openedAt = endsAt.addingTimeInterval(-options.windowSeconds)
            guard let joined = request.joinedRoomAt, joined < openedAt else {
                throw ArenaError(
                    .notEligibleToVote, "only clients in battle \(request.battleId)'s room before voting opened may vote", status: .forbidden)
            }
        }
        if options.minAgentAgeSeconds > 0, request.voterAgentId != nil {
            guard let created = request.voterAgentCreatedAt, now.timeIntervalSince(created) >= options.minAgentAgeSeconds else {
                throw ArenaError(
                    .notEligibleToVote, "agents may vote once they are \(Int(options.minAgentAgeSeconds)) seconds old", status: .forbidden)
            }
        }
    }

    /// This instance took the battle over (at start-up, or from an instance that died): a
    /// window that ended meanwhile closes, an open one is re-armed.
    func resume(_ battleId: String) async {
        guard let window = try? store.window(battleId), !window.closed else { return }
        await input(.closeDue, to: battleId)
    }

    /// Runs an input on the battle's owner; while the database cannot be reached, again every
    /// second (a window's close must not be lost to a database restart).
    func input(_ input: VotingWindowMachine.Input, to battleId: String) async {
        await services.jobs.retryingWhileDatabaseIsDown(
            "a battle's voting input", logger: logger, metadata: ["battle": "\(battleId)", "input": "\(input)"]
        ) {
            try await self.battles.owners.run(battleId) { owner in try self.step(input, on: owner) }
        }
    }

    // MARK: On the owner

    func machine(on owner: isolated BattleOwner) throws -> VotingWindowMachine {
        if let machine = owner.state(MachineKey.self) { return machine }
        let machine = VotingWindowMachine.restore(battle: owner.battle, window: try store.window(owner.battleId))
        owner.setState(MachineKey.self, machine)
        return machine
    }

    private func step(_ input: VotingWindowMachine.Input, on owner: isolated BattleOwner) throws {
        var machine = try machine(on: owner)
        let actions = machine.handle(input, now: services.clock.now())
        owner.setState(MachineKey.self, machine)
        do {
            for action in actions { try perform(action, on: owner) }
        } catch {
            owner.removeState(MachineKey.self)
            throw error
        }
    }

    private func perform(_ action: VotingWindowMachine.Action, on owner: isolated BattleOwner) throws {
        let battleId = owner.battleId
        switch action {
        case .completeWithJudge:
            let judgment = try owner.judgment()
            try owner.complete(votes: [:], judge: judgment?.judge, winnerId: judgment?.winnerId)
        case .storeWindow(let endsAt):
            try owner.write { db in try VoteStore.open(battleId, endsAt: endsAt, in: db) }
        case .setVotingStatus:
            try owner.setStatus(.voting, round: owner.battle.round)
        case .announceOpen(let endsAt, let choices):
            try owner.log(VotingOpen(battleId: battleId, endsAt: endsAt, choices: choices))
        case .scheduleClose(let date):
            services.jobs.schedule(at: date, "voting close \(battleId)") { await input(.closeDue, to: battleId) }
        case .sendCounts:
            let counts = try store.counts(battleId, choices: owner.battle.participants.map(\.id))
            owner.emit(VoteUpdate(battleId: battleId, counts: counts, total: counts.values.reduce(0, +)))
        case .scheduleUpdate(let date):
            services.jobs.schedule(at: date, "vote update \(battleId)") { await input(.updateDue, to: battleId) }
        case .closeAndComplete:
            let choices = owner.battle.participants.map(\.id)
            guard let counts = try owner.write({ db in try VoteStore.close(battleId, choices: choices, in: db) }) else { return }
            let judgment = try owner.judgment()
            let winner = Self.winner(counts: counts, judgeWinner: judgment?.winnerId)
            try owner.complete(votes: counts, judge: judgment?.judge, winnerId: winner)
        }
    }

    /// Most votes wins; a tie goes to the judge's pick when it is among the tied, else there is
    /// no winner; no votes at all leave it to the judge.
    static func winner(counts: [String: Int], judgeWinner: String?) -> String? {
        guard let top = counts.values.max(), top > 0 else { return judgeWinner }
        let leaders = counts.filter { $0.value == top }.map(\.key)
        if leaders.count == 1 { return leaders[0] }
        if let judgeWinner, leaders.contains(judgeWinner) { return judgeWinner }
        return nil
    }
}
