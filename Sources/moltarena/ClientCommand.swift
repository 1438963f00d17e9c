import ArgumentParser
import Foundation
import MoltArenaClient
import SocketIOProtocol

/// `moltarena client agent|spectate`: test clients that print every event as one JSON line and
/// send events typed on stdin (`battle:submit_turn {"battleId":"...","content":"..."}`), so a
/// person can play a battle from two terminals.
struct ClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Interactive test clients: print events as JSON lines, send events from stdin.",
        subcommands: [Agent.self, Spectate.self]
    )

    struct Agent: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Connect as an agent (with its API key).")
        @Option(help: "Server URL, e.g. http://127.0.0.1:3000.") var url: String
        @Option(help: "The agent's API key.") var key: String
        @Option(help: "A battle to join on connect.") var battle: String?
        @Option(help: "Replay the battle's logged events after this seq.") var sinceSeq: Int?

        func run() async throws {
            try await ConsoleClient(url: url, auth: ["token": .string(key)], battle: battle, role: nil, sinceSeq: sinceSeq).run()
        }
    }

    struct Spectate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Connect as an anonymous spectator and join a battle.")
        @Option(help: "Server URL, e.g. http://127.0.0.1:3000.") var url: String
        @Option(help: "The battle to watch.") var battle: String
        @Option(help: "Replay the battle's logged events after this seq.") var sinceSeq: Int?

        func run() async throws {
            try await ConsoleClient(url: url, auth: nil, battle: battle, role: "spectator", sinceSeq: sinceSeq).run()
        }
    }
}

/// The shared loop of the test clients, on the client library (MoltArenaClient): the join is
/// the protocol's `JoinBattle`; what comes back is printed exactly as the server sent it.
struct ConsoleClient {
    let url: String
    let auth: JSONValue?
    let battle: String?
    let role: String?
    let sinceSeq: Int?

    func run() async throws {
        let client: ArenaClient
        do {
            client = try await ArenaClient.connect(url: url, key: auth?["token"]?.stringValue)
        } catch let error as ArenaError {
            let data: JSONValue = error.code.rawValue == "CONNECT_ERROR" ? .null : ["code": .string(error.code.rawValue)]
            Output.line(["event": "connect_error", "data": ["message": .string(error.message), "data": data]])
            throw ExitCode(1)
        } catch {
            CommandFailure.fail("cannot connect to \(url): \(error)")
        }
        let printer = Task {
            for await received in client.events {
                Output.line(["event": .string(received.name), "data": received.payload])
            }
        }
        if let battle {
            let join = JoinBattle(battleId: battle, role: role.flatMap(Identity.Role.init(rawValue:)), sinceSeq: sinceSeq)
            await send(client, event: JoinBattle.name, payload: (try? ArenaClient.json(join)) ?? .null)
        }
        let commands = StandardInputLines.stream()
        let input = Task {
            for await line in commands {
                guard let (event, payload) = Self.parse(line) else {
                    FileHandle.standardError.write(Data("expected: EVENT {json}\n".utf8))
                    continue
                }
                await send(client, event: event, payload: payload)
            }
        }
        let reason = await client.waitForDisconnect()
        input.cancel()
        printer.cancel()
        Output.line(["event": "disconnect", "data": .object(["reason": .string(reason.map { "\($0)" } ?? "unknown")])])
    }

    private func send(_ client: ArenaClient, event: String, payload: JSONValue) async {
        do {
            Output.line(["ack": .string(event), "data": try await client.sendJSON(event, payload)])
        } catch {
            Output.line(["ack": .string(event), "error": .string("\(error)")])
        }
    }

    /// `EVENT {json}` or `EVENT` alone (an empty object).
    static func parse(_ line: String) -> (String, JSONValue)? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        guard let space = trimmed.firstIndex(of: " ") else { return (trimmed, .object([])) }
        let event = String(trimmed[..<space])
        guard let payload = try? JSONParser.parse(String(trimmed[space...]).trimmingCharacters(in: .whitespaces)) else { return nil }
        return (event, payload)
    }
}

/// One JSON object per line on stdout, written straight to the file descriptor so a reading
/// program sees it at once. (Not `print` + `fflush(nil)`: flushing every stdio stream would wait
/// on stdin's lock, which the reader thread holds while it waits for a line.)
enum Output {
    static func line(_ value: JSONValue) {
        var bytes: [UInt8] = []
        JSONWriter.write(value, into: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(Data(bytes))
    }
}

/// Lines typed on stdin, read on a thread of their own (reading blocks).
enum StandardInputLines {
    static func stream() -> AsyncStream<String> {
        AsyncStream { continuation in
            let thread = Thread {
                while let line = readLine() { continuation.yield(line) }
                continuation.finish()
            }
            thread.start()
        }
    }
}
