import ConnectionPlugin
import Runtime
import WebApp

/// Phase 1D, battle rooms: battles and participants, who may enter which room, presence, the
/// battle log with `seq` and replay, snapshots, and the battles HTTP API.
public struct BattlePlugin: Plugin {
    public static let name = "battle"
    public static let requires = ["connection"]

    public typealias Options = BattleOptions
    let options: BattleOptions

    public init(options: BattleOptions, mode: PluginMode) throws {
        self.options = try options.validated()
    }

    /// Every table of the plugin, in order (the command line migrates with them too).
    public static let migrations = BattleStore.migrations + BattleOutcomeTables.migrations

    public func register(with registrar: inout Registrar) throws {
        for migration in Self.migrations {
            registrar.migration(migration)
        }
        let conclusion = registrar.declare(Self.conclusion)
        let inputs = registrar.declare(Self.inputs)
        let takeovers = registrar.declare(Self.takeover)
        let snapshots = SnapshotBuilder(
            turns: registrar.declare(Self.snapshotTurns), votes: registrar.declare(Self.snapshotVotes),
            currentTurn: registrar.declare(Self.snapshotCurrentTurn), turnsLimit: options.snapshotTurns
        )
        let service = BattleService(
            store: BattleStore(database: registrar.services.database, clock: registrar.services.clock, maxRounds: options.maxRounds),
            services: registrar.services, conclusion: conclusion, inputs: inputs, takeovers: takeovers, snapshots: snapshots
        )
        registrar.provide(service)
        registrar.orderStreams(
            BattleLogStreams(store: service.store, database: registrar.services.database) { battleId, seq in
                service.members.caughtUp(in: battleId, to: seq)
            })
        let publisher = registrar.services.bus
        registrar.contribute(
            BattleInputHandler(PresenceReport.self) { report in
                let ready = try await service.owners.run(report.battleId) { owner in owner.report(report) }
                if ready { await publisher.publish(BattleReady(battleId: report.battleId)) }
                return .init()
            },
            to: Self.inputs
        )
        let supervisor = BattleSupervisor(service: service, interval: .seconds(1))
        let expiry = LobbyExpiry(service: service, timeout: options.lobbyTimeout)
        let agents = try registrar.resolve(AgentStore.self)

        registrar.onConnect { connection in
            if let agentId = connection.identity.agentId { connection.join(BattleRoom.agent(agentId)) }
        }
        registrar.subscribe(ClientDisconnected.self) { event in
            await service.disconnected(connectionId: event.connectionId)
        }
        registrar.sends(
            ParticipantJoined.self, ParticipantLeft.self, BattlePresence.self, BattleStateChanged.self, BattleResultsEvent.self, LobbyBattle.self)
        registrar.on(JoinBattle.self, rateLimit: options.joinLimit) { request, context in
            try await service.join(request, connection: context.connection)
        }
        registrar.on(LeaveBattle.self, rateLimit: options.joinLimit) { request, context in
            try await service.leave(request.battleId, connection: context.connection)
        }
        registrar.on(JoinLobby.self, rateLimit: options.joinLimit) { _, context in
            try await service.joinLobby(context.connection)
        }
        registrar.routes { router in
            BattleRoutes(service: service, agents: agents, options: options).add(to: router)
            WebAppRoutes(assets: .shipped).add(to: router)
        }
        registrar.onStart {
            service.refreshStatusGauges()
            await supervisor.start()
            expiry.start()
        }
    }
}
