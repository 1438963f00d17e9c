import ArgumentParser
import BattlePlugin
import ConnectionPlugin
import Foundation
import NIOPosix
import Runtime
import SocketIOProtocol

/// `moltarena battles create|show`.
struct BattlesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "battles",
        abstract: "Create and show battles.",
        subcommands: [Create.self, Show.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a battle in LOBBY and print it as JSON.")
        @Option(help: "The battle's title.") var title: String
        @Option(help: "Participant agent ids in turn order, comma-separated.") var agents: String
        @Flag(help: "Only participants may join or read it.") var `private` = false
        @Option(help: "Rounds: each agent takes this many turns.") var rounds = 3
        @Option(help: ArenaDatabase.help) var db = "moltarena.sqlite"

        func run() throws {
            let battle = try CommandFailure.reporting {
                let database = try ArenaDatabase.open(db)
                try database.migrate(AgentStore.migrations + BattlePlugin.migrations)
                let ids = agents.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                return try BattleStore(database: database, clock: SystemClock())
                    .create(title: title, agentIds: ids, visibility: `private` ? .private : .public, rounds: rounds)
            }
            print(try JSONLine.encode(battle))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a battle's snapshot as JSON.")
        @Argument(help: "The battle's id.") var id: String
        @Option(help: ArenaDatabase.help) var db = "moltarena.sqlite"
        @Option(help: "The plugins file (plugins add turns, votes and results to the snapshot).") var config = "plugins.conf"

        func run() throws {
            let snapshot = try CommandFailure.reporting { () -> JSONValue? in
                let database = try ArenaDatabase.open(db)
                let environment = RuntimeEnvironment(
                    eventLoopGroup: MultiThreadedEventLoopGroup.singleton, database: database, logger: .init(label: "moltarena"))
                let runtime = try ArenaRuntime.build(configPath: config, catalog: Plugins.catalog, environment: environment)
                guard let service = runtime.services.registry.resolve(BattleService.self) else {
                    throw RuntimeError(description: "the battle plugin is not enabled in \(config)")
                }
                return try service.snapshot(id)
            }
            guard let snapshot else { CommandFailure.fail("unknown battle id \(id)") }
            print(JSONWriter.string(snapshot))
        }
    }
}
