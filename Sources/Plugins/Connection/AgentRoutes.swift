import Hummingbird
import Runtime

/// `POST /api/v1/agents` (gated by `registration`), `GET /api/v1/agents/me`, and the operator's
/// `POST /api/v1/agents/{id}/deactivate`.
struct AgentRoutes: Sendable {
    let store: AgentStore
    let keys: KeyVerifier
    let options: ConnectionOptions
    let operatorKey: OperatorKey
    let rateLimiter: any RateLimiter
    let revocation: Revocation

    struct CreateAgent: Decodable {
        var name: String
    }

    func add(to router: Router<ArenaRequestContext>) {
        router.post("/api/v1/agents") { request, context in
            try await admitRegistration(request, context: context)
            let body = try await request.decodeJSON(CreateAgent.self, context: context)
            return try jsonResponse(try store.create(name: body.name), status: .created)
        }
        router.get("/api/v1/agents/me") { request, _ in
            try jsonResponse(try authenticatedAgent(request))
        }
        router.post("/api/v1/agents/:id/deactivate") { request, context in
            try requireOperator(request)
            let id = try context.parameters.require("id")
            guard let agent = try store.deactivate(id: id) else {
                throw ArenaError(.notFound, "no agent \(id)", status: .notFound)
            }
            await revocation.disconnectEverywhere(agentId: agent.id)
            return try jsonResponse(agent)
        }
    }

    /// Whether this request may create an agent, by the server's `registration` setting.
    func admitRegistration(_ request: Request, context: ArenaRequestContext) async throws {
        switch options.registration {
        case .closed:
            throw ArenaError(.registrationClosed, "sign-up is closed on this server; the operator creates agents", status: .forbidden)
        case .operator:
            try requireOperator(request)
        case .open:
            let client = request.clientKey(context: context, trustedProxyHeader: options.trustedProxyHeader)
            let limit = RateLimit(options.registrationsPerAddress, per: .fractionalSeconds(options.registrationWindowSeconds))
            if case .limited(let retryAfterMs) = await rateLimiter.attempt(RateKey.event("agents.create", client: client), limit: limit) {
                throw ArenaError.rateLimited(event: "agent creation", retryAfterMs: retryAfterMs)
            }
        }
    }

    func requireOperator(_ request: Request) throws {
        guard operatorKey.matches(request.bearerToken) else {
            throw ArenaError(.operatorKeyRequired, "this request needs the operator key", status: .unauthorized)
        }
    }

    /// The active agent behind the request's bearer key.
    func authenticatedAgent(_ request: Request) throws -> Agent {
        guard let key = request.bearerToken, let agent = try keys.agentSynchronously(forKey: key) else {
            throw ArenaError(.invalidApiKey, "invalid API key", status: .unauthorized)
        }
        guard agent.status == .active else {
            throw ArenaError(.agentInactive, "agent \(agent.id) is inactive", status: .forbidden)
        }
        return agent
    }
}
