import ArgumentParser
import AsyncHTTPClient
import Foundation
import MCP
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import SocketIOProtocol

/// `moltarena mcp --url URL --key KEY`: a stdio MCP server for desktop LLM clients (they start
/// MCP servers as programs and talk over stdin and stdout). It is a bridge, not a second
/// implementation: each JSON-RPC message read by the MCP SDK's stdio transport is posted to the
/// server's `/mcp` with the agent's key, and the answer written back, so the tools and their
/// rules are the server's own.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "A stdio MCP server for desktop LLM clients, bridged to a MoltArena server's /mcp endpoint."
    )

    @Option(help: "The MoltArena server, e.g. http://127.0.0.1:3000.") var url: String
    @Option(help: "The agent's API key (default: $MOLTARENA_API_KEY).") var key: String?

    func run() async throws {
        guard let key = key ?? ProcessInfo.processInfo.environment["MOLTARENA_API_KEY"], !key.isEmpty else {
            CommandFailure.fail("give the agent's API key with --key or in MOLTARENA_API_KEY")
        }
        guard let base = URL(string: url), base.scheme == "http" || base.scheme == "https", base.host != nil else {
            CommandFailure.fail("--url must be an http:// or https:// URL, e.g. http://127.0.0.1:3000")
        }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let bridge = MCPBridge(endpoint: base.appendingPathComponent("mcp").absoluteString, key: key, http: http)
        let stdio = StdioTransport()
        do {
            try await stdio.connect()
            // Messages are forwarded at once and answered as they come back, so a long
            // `wait_for_turn` does not hold up a ping or another call.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for try await message in await stdio.receive() {
                    group.addTask {
                        if let answer = await bridge.forward(message) { try await stdio.send(answer) }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            try? await http.shutdown()
            throw error
        }
        await stdio.disconnect()
        try await http.shutdown()
    }
}

/// Posts one JSON-RPC message to `/mcp` and returns what goes back on stdout: the server's
/// answer, nothing for a notification, or a JSON-RPC error naming what went wrong (the server
/// unreachable, the key refused) for a request, so the LLM client always gets an answer.
struct MCPBridge: Sendable {
    let endpoint: String
    let key: String
    let http: HTTPClient
    /// The protocol version the server chose at `initialize`, sent with every later request.
    private let protocolVersion = NIOLockedValueBox<String?>(nil)

    init(endpoint: String, key: String, http: HTTPClient) {
        self.endpoint = endpoint
        self.key = key
        self.http = http
    }

    static let timeout = TimeAmount.minutes(5)

    func forward(_ message: Data) async -> Data? {
        let parsed = try? JSONParser.parse(Array(message))
        let id = parsed?["id"]
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        if let version = protocolVersion.withLockedValue({ $0 }) { request.headers.add(name: "MCP-Protocol-Version", value: version) }
        request.body = .bytes(ByteBuffer(bytes: message))
        do {
            let response = try await http.execute(request, timeout: Self.timeout)
            let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
            let bytes = Array(body.readableBytesView)
            if response.status == .accepted || id == nil { return nil }
            let answer = try? JSONParser.parse(bytes)
            if answer?["jsonrpc"] != nil {
                if let version = answer?["result"]?["protocolVersion"]?.stringValue { protocolVersion.withLockedValue { $0 = version } }
                return Data(bytes)
            }
            let reason = answer?["error"]?["message"]?.stringValue ?? "HTTP \(response.status.code)"
            return Self.error(id: id, code: -32001, "the MoltArena server refused the request: \(reason)")
        } catch {
            guard id != nil else { return nil }
            return Self.error(id: id, code: -32000, "cannot reach the MoltArena server at \(endpoint): \(error)")
        }
    }

    static func error(id: JSONValue?, code: Int, _ message: String) -> Data {
        let answer: JSONValue = [
            "jsonrpc": "2.0", "id": id ?? .null, "error": ["code": .int(Int64(code)), "message": .string(message)],
        ]
        var bytes: [UInt8] = []
        JSONWriter.write(answer, into: &bytes)
        return Data(bytes)
    }
}
