import Hummingbird
import Runtime

/// `POST /api/v1/agents` and `GET /api/v1/agents/me`.
struct AgentRoutes: Sendable {
    let store: AgentStore

    struct CreateAgent: Decodable {
        var name: String
    }

    func add(to router: Router<ArenaRequestContext>) {
        router.post("/api/v1/agents") { request, context in
            let body = try await request.decodeJSON(CreateAgent.self, context: context)
            return try jsonResponse(try store.create(name: body.name), status: .created)
        }
        router.get("/api/v1/agents/me") { request, _ in
            try jsonResponse(try authenticatedAgent(request))
        }
    }

    /// The active agent behind the request's bearer key.
    func authenticatedAgent(_ request: Request) throws -> Agent {
        guard let key = request.bearerToken, let agent = try store.agent(forKey: key) else {
            throw ArenaError(.invalidApiKey, "invalid API key", status: .unauthorized)
        }
        guard agent.status == .active else {
            throw ArenaError(.agentInactive, "agent \(agent.id) is inactive", status: .forbidden)
        }
        return agent
    }
}
