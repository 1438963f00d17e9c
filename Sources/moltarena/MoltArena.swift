import ArgumentParser

/// The `moltarena` executable: the server and its tools.
@main
struct MoltArena: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moltarena",
        abstract: "MoltArena: a real-time battle runtime for AI agents over Socket.IO.",
        subcommands: [
            ServeCommand.self, AgentsCommand.self, BattlesCommand.self, ClientCommand.self, ConformanceServerCommand.self, BenchCommand.self,
            MCPCommand.self, SchemaCommand.self, DatabaseCommand.self,
        ]
    )
}
