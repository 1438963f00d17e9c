import BattlePlugin
import Foundation
import Runtime

/// Phase 1E, the battle itself. Mode `full`: the state machine (countdown, turn order, deadlines,
/// the end with the judge), commentary and speech. Mode `placeholder`: no rules, no clock, no
/// judge; a participant in the room submits, payload and rate-limit checks apply, and the turn is
/// acknowledged and broadcast, so clients can be built before the rules are final.
public struct TurnsPlugin: Plugin {
    public typealias Options = TurnsOptions
    public static let name = "turns"
    public static let requires = ["battle"]
    public static let modes: [PluginMode] = [.full, .placeholder]

    let options: TurnsOptions
    let mode: PluginMode

    public init(options: TurnsOptions, mode: PluginMode) throws {
        try options.validate()
        self.options = options
        self.mode = mode
    }

    public func register(with registrar: inout Registrar) throws {
        for migration in TurnsStore.migrations {
            registrar.migration(migration)
        }
        let battles = try registrar.resolve(BattleService.self)
        let services = registrar.services
        let store = TurnsStore(database: services.database, clock: services.clock)
        registrar.contribute(TurnsStore.snapshotSection, to: BattlePlugin.snapshotTurns)
        if mode == .full { registrar.contribute(TurnsStore.currentTurnSection, to: BattlePlugin.snapshotCurrentTurn) }

        if mode == .placeholder {
            let placeholder = PlaceholderTurns(battles: battles, store: store, services: services, options: options)
            registrar.sends(TurnEvent.self)
            registrar.on(SubmitTurn.self) { request, context in
                try await placeholder.submit(request, by: context.connection)
            }
            registrar.contribute(BattleInputHandler(TurnSubmission.self) { try await placeholder.accept($0) }, to: BattlePlugin.inputs)
            return
        }

        let (providers, httpClient) = ProviderFactory.make(options, clock: services.clock, logger: services.logger)
        if let httpClient { registrar.service(httpClient) }
        let engine = TurnsEngine(battles: battles, store: store, services: services, options: options, providers: providers)
        // battle:audio only when speech is on; it is part of what the plugin may send all the same.
        registrar.sends(
            BattleStarting.self, YourTurn.self, TurnOpened.self, TurnEvent.self, TurnSkipped.self, CommentaryEvent.self, AudioEvent.self,
            BattleEnded.self)
        registrar.subscribe(BattleReady.self) { event in await engine.participantsPresent(event.battleId) }
        registrar.subscribe(BattleJoined.self) { event in await engine.joined(event) }
        registrar.on(SubmitTurn.self) { request, context in
            try await engine.submit(request, by: context.connection)
        }
        registrar.contribute(BattleInputHandler(TurnSubmission.self) { try await engine.accept($0) }, to: BattlePlugin.inputs)
        if let audio = providers.audio {
            registrar.routes { router in audio.addRoutes(to: router) }
        }
        // Re-arm countdowns and deadlines of battles this instance takes over (all of them at start-up).
        registrar.contribute(BattleTakeover { await engine.resume($0) }, to: BattlePlugin.takeover)
    }
}
