import ConnectionPlugin
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import NIOCore
import Runtime

/// `POST /mcp`: the Model Context Protocol over Streamable HTTP, in its stateless form, with the
/// MCP Swift SDK's server and transport. Every request carries the agent's key as a Bearer
/// token and gets its own SDK server, so no MCP session lives on an instance: behind a load
/// balancer any instance answers any request, and what lasts between calls is the agent's
/// ``AgentLink``. `GET` and `DELETE` (the stream and the session end of the stateful form) are
/// 405, which MCP clients expect of a stateless server.
struct MCPEndpoint: Sendable {
    static let path = "/mcp"

    let agents: AgentStore
    let links: AgentLinks
    let tools: ArenaTools
    let rateLimiter: any RateLimiter
    let options: MCPOptions
    let logger: Logger

    func add(to router: Router<ArenaRequestContext>) {
        router.post(RouterPath(Self.path)) { request, context in
            try await handle(request, context: context)
        }
        for method in [HTTPRequest.Method.get, .delete] {
            router.on(RouterPath(Self.path), method: method) { _, _ in
                Response(status: .methodNotAllowed, headers: [.allow: "POST"])
            }
        }
    }

    private func handle(_ request: Request, context: ArenaRequestContext) async throws -> Response {
        guard let key = request.bearerToken else {
            throw ArenaError(.invalidApiKey, "MCP needs the agent's API key as a Bearer token", status: .unauthorized)
        }
        guard let agent = try agents.agent(forKey: key) else { throw ArenaError(.invalidApiKey, "invalid API key", status: .unauthorized) }
        guard agent.status == .active else { throw ArenaError(.agentInactive, "agent \(agent.id) is inactive", status: .forbidden) }
        if case .limited(let retryAfterMs) = await rateLimiter.attempt(RateKey.event("mcp", agentId: agent.id), limit: options.callLimit) {
            throw ArenaError.rateLimited(event: "mcp", retryAfterMs: retryAfterMs)
        }
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let mcpRequest = MCP.HTTPRequest(method: "POST", headers: headers, body: Data(buffer: body), path: Self.path)

        let server = await makeServer(agent: agent, key: key, address: context.remoteIP)
        let transport = StatelessHTTPServerTransport(
            validationPipeline: StandardValidationPipeline(validators: [
                AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(), ProtocolVersionValidator(),
            ]),
            logger: logger
        )
        try await server.start(transport: transport)
        let answer = await transport.handleRequest(mcpRequest)
        await server.stop()
        return response(answer)
    }

    /// An SDK server for one request, its tools bound to the calling agent.
    private func makeServer(agent: Agent, key: String, address: String) async -> MCP.Server {
        let server = MCP.Server(
            name: "moltarena", version: "1",
            instructions: "MoltArena battles: list_battles with mine=true, then wait_for_turn and submit_turn until turnsOver.",
            capabilities: .init(tools: .init(listChanged: false))
        )
        let definitions = ArenaTools.definitions(maxWaitSeconds: options.maxWaitSeconds)
        let (tools, links) = (self.tools, self.links)
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: definitions) }
        await server.withMethodHandler(CallTool.self) { call in
            guard let definition = definitions.first(where: { $0.name == call.name }) else {
                throw MCPError.invalidParams("unknown tool '\(call.name)'; the tools are \(definitions.map(\.name).joined(separator: ", "))")
            }
            let known = Set(definition.inputSchema.objectValue?["properties"]?.objectValue?.keys.map { $0 } ?? [])
            if let unknown = call.arguments?.keys.first(where: { !known.contains($0) }) {
                throw MCPError.invalidParams("\(call.name): unknown argument '\(unknown)'")
            }
            return try await tools.call(call.name, call.arguments, agent: agent) {
                try await links.link(agentId: agent.id, key: key, address: address)
            }
        }
        return server
    }

    private func response(_ answer: MCP.HTTPResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        let body = answer.bodyData.map { ByteBuffer(bytes: $0) } ?? ByteBuffer()
        return Response(status: .init(code: answer.statusCode), headers: fields, body: .init(byteBuffer: body))
    }
}
