import ArgumentParser
import BenchPlugin
import Foundation
import Logging
import NIOPosix
import Runtime
import ServiceLifecycle

/// `moltarena schema`: prints the AsyncAPI 3.0 document of the Socket.IO protocol, the one a
/// server with these plugins serves at `GET /api/v1/asyncapi.json`.
struct SchemaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the AsyncAPI document of the Socket.IO events (docs/asyncapi.json).",
        discussion: "Without --config: every plugin this binary carries but [bench], which handles battle:join in [battle]'s place."
    )

    @Option(help: "A plugins file: the document lists what its enabled plugins handle and send.") var config: String?

    func run() async throws {
        let text = try await CommandFailure.reporting { try await Self.document(config: config) }
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// The plugins.conf of the default document: every plugin of the catalog, with its defaults.
    static var allPlugins: String {
        Plugins.catalog.types.filter { $0.name != BenchPlugin.name }.map { "[\($0.name)]\n" }.joined()
    }

    /// The document's text: the runtime built as `serve` builds it (on an in-memory database,
    /// serving nothing), its plugins' background services stopped at once.
    static func document(config: String?) async throws -> String {
        var logger = Logger(label: "moltarena")
        logger.logLevel = .error
        let file = try config.map { try PluginsFile.load(path: $0) } ?? PluginsFile.parse(allPlugins, path: "(every plugin)")
        let environment = RuntimeEnvironment(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, database: try SQLiteDatabase.inMemory(), logger: logger)
        let runtime = try ArenaRuntime.build(plugins: Plugins.catalog.resolve(file), environment: environment)
        let group = ServiceGroup(configuration: .init(services: runtime.backgroundServices.map { .init(service: $0) }, logger: logger))
        async let running: Void = group.run()
        await group.triggerGracefulShutdown()
        try await running
        return try runtime.protocolDocument.text()
    }
}
