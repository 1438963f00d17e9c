import Foundation

/// The HTTP side of the concurrent battles: two fresh agents per battle and the battle, created
/// by its first agent (one creation per agent, far under the server's limit per agent); and,
/// afterwards, the check of every battle's log against the turns accepted in it.
enum ConcurrentBattleSetup {
    struct Pair: Sendable {
        var battleId: String
        var keys: [String]
    }

    /// `battles` pairs of agents with a public battle each, `parallel` requests at a time.
    /// Creating agents needs no key, but the server counts sign-ups per address
    /// (`registrations_per_address`): bench/plugins.battle.conf raises it for this.
    static func create(http: HTTPJSONClient, battles: Int, rounds: Int, parallel: Int) async throws -> [Pair] {
        let run = String(UInt64.random(in: 0..<(1 << 40)), radix: 36)
        return try await inParallel(count: battles, width: parallel) { index in
            let first = try await http.send(
                .POST, "/api/v1/agents", body: CreateAgentRequest(name: "bench-\(run)-\(index)-a"), expecting: 201, as: CreatedAgent.self)
            let second = try await http.send(
                .POST, "/api/v1/agents", body: CreateAgentRequest(name: "bench-\(run)-\(index)-b"), expecting: 201, as: CreatedAgent.self)
            let battle = try await http.send(
                .POST, "/api/v1/battles",
                body: CreateBattleRequest(opponentId: second.id, title: "bench \(run) concurrent #\(index + 1)", rounds: rounds),
                bearer: first.apiKey, expecting: 201, as: BattleSnapshot.self
            )
            return Pair(battleId: battle.id, keys: [first.apiKey, second.apiKey])
        }
    }

    struct Persistence: Sendable {
        var persistedTurns: Int
        /// Battles whose log holds exactly their accepted turns.
        var battlesMatching: Int
    }

    /// Reads every battle's log (`GET /api/v1/battles/{id}/log`, the whole history, where a
    /// snapshot may one day hold only the latest turns): each accepted turn must be logged as a
    /// `battle:turn` under its turnId with the content that carried its number, and no other
    /// turn may be.
    static func verify(
        http: HTTPJSONClient, battles: [(battleId: String, accepted: [BattleMatch.Accepted])], parallel: Int
    ) async throws
        -> Persistence
    {
        let checked = try await inParallel(count: battles.count, width: parallel) { index in
            let battle = battles[index]
            let log = try await http.get("/api/v1/battles/\(battle.battleId)/log", as: LoggedBattle.self)
            let turns = log.events.compactMap(\.turn)
            var stored: [String: String] = [:]
            for turn in turns where turn.battleId == battle.battleId { stored[turn.turnId] = turn.content }
            let matches =
                turns.count == battle.accepted.count && stored.count == turns.count
                && battle.accepted.allSatisfy { accepted in
                    guard let content = stored[accepted.turnId] else { return false }
                    return content.utf8.starts(with: BattleTurnContent.nKey + Array("\(accepted.n) ".utf8))
                }
            return (turns.count, matches)
        }
        return Persistence(persistedTurns: checked.map { $0.0 }.reduce(0, +), battlesMatching: checked.filter { $0.1 }.count)
    }

    /// Runs `body` for 0..<count, at most `width` at a time; the results in index order.
    static func inParallel<T: Sendable>(count: Int, width: Int, _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var results = [T?](repeating: nil, count: count)
            var next = 0
            while next < min(width, count) {
                let index = next
                group.addTask { (index, try await body(index)) }
                next += 1
            }
            while let (index, value) = try await group.next() {
                results[index] = value
                if next < count {
                    let index = next
                    group.addTask { (index, try await body(index)) }
                    next += 1
                }
            }
            return results.map { $0! }
        }
    }
}

/// `GET /api/v1/battles/{id}/log`: `{"battleId","seq","events":[{"event","data","loggedAt"}]}`,
/// of which the scenario reads the `battle:turn` entries.
struct LoggedBattle: Decodable {
    struct Turn: Decodable {
        var battleId: String
        var turnId: String
        var content: String
    }

    struct Entry: Decodable {
        var turn: Turn?

        enum CodingKeys: String, CodingKey { case event, data }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let event = try container.decode(String.self, forKey: .event)
            turn = event == BattleEventName.turn.rawValue ? try container.decode(Turn.self, forKey: .data) : nil
        }
    }

    var events: [Entry]
}
