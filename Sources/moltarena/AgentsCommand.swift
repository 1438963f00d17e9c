import ArgumentParser
import ConnectionPlugin
import Foundation
import NIOPosix
import Runtime

/// `moltarena agents create|list|deactivate`.
struct AgentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "Create, list and deactivate agents.",
        subcommands: [Create.self, List.self, Deactivate.self]
    )

    struct DatabaseOption: ParsableArguments {
        @Option(help: ArenaDatabase.help) var db = "moltarena.sqlite"

        func store() throws -> AgentStore {
            let database = try ArenaDatabase.open(db)
            try database.migrate(AgentStore.migrations)
            return AgentStore(database: database, clock: SystemClock())
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an agent and print it with its API key (shown only here).")
        @Option(help: "The agent's name.") var name: String
        @OptionGroup var database: DatabaseOption

        func run() throws {
            let created = try CommandFailure.reporting { try database.store().create(name: name) }
            print(try JSONLine.encode(created))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List agents, one JSON object per line.")
        @OptionGroup var database: DatabaseOption

        func run() throws {
            let agents = try CommandFailure.reporting { try database.store().list() }
            for agent in agents { print(try JSONLine.encode(agent)) }
        }
    }

    struct Deactivate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an agent inactive: its key stops working.")
        @Argument(help: "The agent's id.") var id: String
        @OptionGroup var database: DatabaseOption

        func run() throws {
            let agent = try CommandFailure.reporting { try database.store().deactivate(id: id) }
            guard let agent else { CommandFailure.fail("unknown agent id \(id)") }
            print(try JSONLine.encode(agent))
        }
    }
}

/// The wall clock, for commands that run outside the server.
struct SystemClock: RuntimeClock {
    func now() -> Date { Date() }

    func schedule(at date: Date, _ body: @escaping @Sendable () -> Void) -> ScheduledTimer {
        EventLoopClock(eventLoop: MultiThreadedEventLoopGroup.singleton.any()).schedule(at: date, body)
    }
}

enum JSONLine {
    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try ArenaJSON.encode(value), as: UTF8.self)
    }
}
