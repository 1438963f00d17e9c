import BattlePlugin
import ConnectionPlugin
import Runtime

/// Phase 1F: spectators decide. Voting opens when a battle's turns end, takes one vote per
/// voter (enforced by the database), shows live counts, and closes on time with results.
public struct VotingPlugin: Plugin {
    public typealias Options = VotingOptions
    public static let name = "voting"
    public static let requires = ["battle"]

    let options: VotingOptions

    public init(options: VotingOptions, mode: PluginMode) throws {
        try options.validate()
        self.options = options
    }

    public func register(with registrar: inout Registrar) throws {
        for migration in VoteStore.migrations {
            registrar.migration(migration)
        }
        let battles = try registrar.resolve(BattleService.self)
        let store = VoteStore(database: registrar.services.database, clock: registrar.services.clock)
        let agents = try registrar.resolve(AgentStore.self)
        let coordinator = VotingCoordinator(
            battles: battles, store: store, services: registrar.services, options: options,
            agentCreatedAt: { try? agents.agent(id: $0)?.createdAt })
        registrar.contribute(coordinator, to: BattlePlugin.conclusion)
        registrar.contribute(VoteStore.snapshotSection, to: BattlePlugin.snapshotVotes)
        registrar.sends(VotingOpen.self, VoteUpdate.self)
        registrar.on(CastVote.self, rateLimit: RateLimit(options.votesPer10Seconds, per: .seconds(10))) { request, context in
            try await coordinator.vote(request, by: context.connection)
        }
        registrar.contribute(BattleInputHandler(VoteSubmission.self) { try await coordinator.accept($0) }, to: BattlePlugin.inputs)
        // Close or re-arm the voting window of battles this instance takes over.
        registrar.contribute(BattleTakeover { await coordinator.resume($0) }, to: BattlePlugin.takeover)
    }
}
