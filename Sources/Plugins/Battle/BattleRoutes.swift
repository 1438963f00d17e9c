import ConnectionPlugin
import Foundation
import Hummingbird
import Runtime
import SocketIOProtocol

/// `POST /api/v1/battles`, `GET /api/v1/battles/{id}`, `GET /api/v1/battles/{id}/log`,
/// `GET /api/v1/battles/{id}/turns`, `GET /api/v1/battles?status=`.
struct BattleRoutes: Sendable {
    let service: BattleService
    let agents: AgentStore
    let options: BattleOptions

    struct CreateBattle: Decodable {
        var opponentId: String
        var title: String
        var visibility: Visibility?
        var rounds: Int?
    }

    struct BattleList: Encodable {
        var battles: [JSONValue]
    }

    /// `GET /api/v1/battles/{id}/log`: `{"battleId","seq","events":[{"event","data","loggedAt"}]}`.
    struct BattleLog: Encodable {
        struct Entry: Encodable {
            var event: String
            var data: JSONValue
            var loggedAt: Date
        }
        var battleId: String
        var seq: Int
        var events: [Entry]
    }

    /// The name battle creation is rate limited under.
    static let createEvent = "battle:create"

    func add(to router: Router<ArenaRequestContext>) {
        router.post("/api/v1/battles") { request, context in
            guard options.creation == .participants else {
                throw ArenaError(.battleCreationClosed, "battles are created by the operator on this server", status: .forbidden)
            }
            let agent = try authenticatedAgent(request)
            let body = try await request.decodeJSON(CreateBattle.self, context: context)
            // Counted once the request is known to be an agent's well-formed one, per agent on
            // every instance (the shared limiter).
            let key = RateKey.event(Self.createEvent, agentId: agent.id)
            if case .limited(let retryAfterMs) = await service.services.rateLimiter.attempt(key, limit: options.creationLimit) {
                throw ArenaError.rateLimited(event: Self.createEvent, retryAfterMs: retryAfterMs)
            }
            let battle = try service.store.create(
                title: body.title, agentIds: [agent.id, body.opponentId],
                visibility: body.visibility ?? .public, rounds: body.rounds ?? 3
            )
            service.refreshStatusGauges()
            service.announceCreated(battle)
            return try jsonResponse(try service.snapshot(battle.id), status: .created)
        }
        router.get("/api/v1/battles/:id") { request, context in
            let battle = try visibleBattle(request, context)
            return try jsonResponse(try service.snapshot(battle.id))
        }
        router.get("/api/v1/battles/:id/log") { request, context in
            let battle = try visibleBattle(request, context)
            let entries = try service.log(battle.id)  // seqs 1...N: the last seq is the count
            let events = try entries.map { BattleLog.Entry(event: $0.event, data: try JSONParser.parse($0.payload), loggedAt: $0.loggedAt) }
            return try jsonResponse(BattleLog(battleId: battle.id, seq: entries.count, events: events))
        }
        router.get("/api/v1/battles/:id/turns") { request, context in
            let battle = try visibleBattle(request, context)
            let query = request.uri.queryParameters
            let before: String? = query["before"].map { String($0) }
            let from: String? = query["from"].map { String($0) }
            let limit: String? = query["limit"].map { String($0) }
            let range = try TurnsPageQuery.range(before: before, from: from, limit: limit)
            guard let page = try service.turns(battle.id, range) else { throw ArenaError.battleNotFound(battle.id) }
            return try jsonResponse(TurnsPageQuery.answer(battleId: battle.id, page))
        }
        router.get("/api/v1/battles") { request, _ in
            var status: BattleStatus?
            if let raw = request.uri.queryParameters["status"] {
                guard let parsed = BattleStatus(rawValue: String(raw)) else {
                    throw ArenaError.invalidPayload("status must be one of \(BattleStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                status = parsed
            }
            let battles = try service.store.listPublic(status: status).compactMap { try service.snapshot($0.id) }
            return try jsonResponse(BattleList(battles: battles))
        }
    }

    /// The battle named in the path, if the caller may see it: private battles exist only for
    /// their participants (Bearer), anyone else gets a 404 as for a battle that does not exist.
    func visibleBattle(_ request: Request, _ context: ArenaRequestContext) throws -> Battle {
        let agent = request.bearerToken.flatMap { try? agents.agent(forKey: $0) }
        return try service.visibleBattle(try context.parameters.require("id"), to: agent?.id)
    }

    func authenticatedAgent(_ request: Request) throws -> Agent {
        guard let key = request.bearerToken, let agent = try agents.agent(forKey: key) else {
            throw ArenaError(.invalidApiKey, "invalid API key", status: .unauthorized)
        }
        guard agent.status == .active else {
            throw ArenaError(.agentInactive, "agent \(agent.id) is inactive", status: .forbidden)
        }
        return agent
    }
}
