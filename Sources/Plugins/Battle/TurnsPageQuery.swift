import Runtime
import SocketIOProtocol

/// `GET /api/v1/battles/{id}/turns?before=&from=&limit=`: the query, checked, as the run of turns
/// it asks for, and the answer's shape. The snapshot carries only a battle's newest turns; a
/// client pages back from its `turnsFrom` with `before`, or forward from 0 with `from`.
struct TurnsPageQuery {
    /// Turns per page unless `limit` says otherwise, and the most it may say.
    static let defaultLimit = 50
    static let maxLimit = 100

    /// The range for the query's raw parameters; INVALID_PAYLOAD for anything else than
    /// whole numbers in range, or for `before` with `from`.
    static func range(before: String?, from: String?, limit: String?) throws -> TurnsRange {
        let count = try limit.map { try number($0, "limit", in: 1...maxLimit) } ?? defaultLimit
        let before = try before.map { try number($0, "before", in: 0...Int.max) }
        let from = try from.map { try number($0, "from", in: 0...Int.max) }
        switch (before, from) {
        case (_?, _?): throw ArenaError.invalidPayload("give before or from, not both")
        case (nil, let from?): return TurnsRange(.from(from), limit: count)
        case (let before, nil): return TurnsRange(.before(before), limit: count)
        }
    }

    private static func number(_ raw: String, _ name: String, in range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(raw), range.contains(value) else {
            let bounds = range.upperBound == Int.max ? "0 or more" : "\(range.lowerBound) to \(range.upperBound)"
            throw ArenaError.invalidPayload("\(name) must be a whole number, \(bounds)")
        }
        return value
    }

    /// `{"battleId","turnsFrom","turnsTotal","turns":[...]}`: the snapshot's turn fields.
    static func answer(battleId: String, _ page: TurnsPage) -> JSONValue {
        .object([
            JSONMember("battleId", .string(battleId)),
            JSONMember("turnsFrom", .int(Int64(page.from))),
            JSONMember("turnsTotal", .int(Int64(page.total))),
            JSONMember("turns", .array(page.turns.map(\.json))),
        ])
    }
}
