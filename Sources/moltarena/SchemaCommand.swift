import ArenaProtocol
import ArgumentParser

/// `moltarena schema`: prints the protocol as an AsyncAPI 3.0 document, generated from the
/// declared event types (the same document the server serves at `/api/v1/asyncapi.json`;
/// docs/asyncapi.json is its checked-in copy).
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the protocol (every event, its payload and the error codes) as an AsyncAPI 3.0 document."
    )

    func run() throws {
        print(try CommandFailure.reporting { try AsyncAPIDocument.json() }, terminator: "")
    }
}
