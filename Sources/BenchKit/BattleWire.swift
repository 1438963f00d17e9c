import Foundation

// The battle scenario's vocabulary: the Socket.IO events and HTTP bodies of CONTRACT.md §3-4
// that `moltarena bench battle` writes or reads, each declared once here. BenchKit names no
// plugin (it is a load generator that only knows the wire contract), so these mirror the
// contract, not the Battle and Turns plugins' Swift types.

/// The events a battle's connections receive, in the order the spectators' counters and the
/// report use. Spectators classify every event by its name without decoding the payload.
public enum BattleEventName: String, CaseIterable, Codable, Sendable {
    case turn = "battle:turn"
    case commentary = "battle:commentary"
    case state = "battle:state"
    case presence = "battle:presence"
    case starting = "battle:starting"
    case ended = "battle:ended"
    case results = "battle:results"
    case participantJoined = "battle:participant_joined"
    case participantLeft = "battle:participant_left"
    case turnSkipped = "battle:turn_skipped"
    case audio = "battle:audio"
    case votingOpen = "battle:voting_open"
    case voteUpdate = "battle:vote_update"
    case connected = "battle:connected"
    case yourTurn = "battle:your_turn"
    case turnAccepted = "battle:turn_accepted"
    case error = "error"
    case rateLimitExceeded = "rate_limit_exceeded"
    case serverShutdown = "server:shutdown"

    /// `42["NAME",` per case, in `allCases` order: how a server event starts on the wire.
    static let prefixes: [[UInt8]] = allCases.map { Array(#"42[""#.utf8) + Array($0.rawValue.utf8) + Array(#"","#.utf8) }

    /// Index of the counter for events of no known name.
    static let otherIndex = allCases.count

    /// The counter index of the event in an Engine.IO text message (`42["NAME",...]`), the
    /// most frequent names first; ``otherIndex`` for anything else.
    static func index(of text: UnsafeRawBufferPointer) -> Int {
        for (i, prefix) in prefixes.enumerated() where TurnPayload.hasPrefix(text, prefix) { return i }
        return otherIndex
    }

    var index: Int { Self.allCases.firstIndex(of: self)! }

    // The indexes the spectators' hot path compares with.
    static let turnIndex = BattleEventName.turn.index
    static let endedIndex = BattleEventName.ended.index
    static let errorIndex = BattleEventName.error.index
}

/// A server event's payload, read from `42["NAME",{...}]` (the agents' events: few, so they
/// are decoded with Foundation).
protocol ReceivedEvent: Decodable {
    static var name: BattleEventName { get }
}

extension ReceivedEvent {
    /// The payload when `text` is this event, else nil.
    static func decode(_ text: UnsafeRawBufferPointer) -> Self? {
        guard TurnPayload.hasPrefix(text, BattleEventName.prefixes[name.index]) else { return nil }
        return try? JSONDecoder().decode(EventArray<Self>.self, from: Data(text[2...])).payload
    }
}

/// `["NAME",{payload}]`: the Socket.IO event array, read as its name and its first argument.
private struct EventArray<Payload: Decodable>: Decodable {
    var payload: Payload

    init(from decoder: any Decoder) throws {
        var array = try decoder.unkeyedContainer()
        _ = try array.decode(String.self)
        payload = try array.decode(Payload.self)
    }
}

/// `battle:your_turn {"battleId","round","deadline"}`
struct YourTurn: ReceivedEvent {
    static let name = BattleEventName.yourTurn
    var battleId: String
    var round: Int
}

/// `battle:turn_accepted {"battleId","turnId","round"}`
struct TurnAccepted: ReceivedEvent {
    static let name = BattleEventName.turnAccepted
    var battleId: String
    var turnId: String
    var round: Int
}

/// `battle:ended {"battleId","reason"}`
struct BattleEnded: ReceivedEvent {
    static let name = BattleEventName.ended
    var battleId: String
    var reason: String
}

/// `error {"code","message","event"}`: a refused client event.
struct ErrorEvent: ReceivedEvent {
    static let name = BattleEventName.error
    var code: String
    var message: String
    var event: String?
}

/// `rate_limit_exceeded {"event","retryAfterMs"}`, after an `error` with `RATE_LIMITED`.
struct RateLimitExceeded: ReceivedEvent {
    static let name = BattleEventName.rateLimitExceeded
    var event: String
    var retryAfterMs: Int
}

/// `battle:submit_turn {"battleId","content","clientTurnId"}`, sent without an ack id: the
/// answer is `battle:turn_accepted`, or `error` naming this event.
struct SubmitTurn {
    static let name = "battle:submit_turn"
    var battleId: String
    var content: [UInt8]
    var clientTurnId: String

    /// The Engine.IO text message (`42["battle:submit_turn",{...}]`). `content` must need no
    /// JSON escaping (``BattleTurnContent`` writes only letters, digits, `=`, `-` and spaces).
    var message: [UInt8] {
        var out: [UInt8] = Array(#"42[""#.utf8) + Array(Self.name.utf8) + Array(#"",{"battleId":"#.utf8)
        TurnPayload.appendJSONString(battleId, to: &out)
        out += Array(#","content":""#.utf8)
        out += content
        out += Array(#"","clientTurnId":"#.utf8)
        TurnPayload.appendJSONString(clientTurnId, to: &out)
        out += Array("}]".utf8)
        return out
    }
}

/// The text of a bench turn: `bench-n=N bench-ts=NANOS ` and words up to a target size. `n`
/// numbers the run's submissions (a spectator checks it got each accepted turn once), `ts` is
/// the generator's monotonic send time (latency at each spectator). Both are found in the
/// `battle:turn` a spectator receives without decoding it, whatever the server adds around.
enum BattleTurnContent {
    static let nKey: [UInt8] = Array("bench-n=".utf8)
    static let tsKey: [UInt8] = Array("bench-ts=".utf8)
    /// Real words, so the judge and the commentator count words as they would in a battle.
    private static let words: [UInt8] = Array("tabs indent one level per keystroke while spaces align ".utf8)

    static func write(n: UInt64, ts: UInt64, targetBytes: Int) -> [UInt8] {
        var out = nKey
        TurnPayload.appendDecimal(n, to: &out)
        out.append(UInt8(ascii: " "))
        out += tsKey
        TurnPayload.appendDecimal(ts, to: &out)
        out.append(UInt8(ascii: " "))
        var i = 0
        while out.count < targetBytes {
            out.append(words[i % words.count])
            i += 1
        }
        if out.last == UInt8(ascii: " ") { out[out.count - 1] = UInt8(ascii: "s") }
        return out
    }

    /// `n` and `ts` of a received `battle:turn` text (`42["battle:turn",{...}]`), or nil when it
    /// is not one or carries no bench markers.
    static func read(_ text: UnsafeRawBufferPointer) -> (n: UInt64, ts: UInt64)? {
        let start = BattleEventName.prefixes[BattleEventName.turn.index].count
        guard let n = TurnPayload.number(after: nKey, in: text, from: start),
            let ts = TurnPayload.number(after: tsKey, in: text, from: start)
        else { return nil }
        return (n, ts)
    }
}

// MARK: HTTP API bodies (CONTRACT.md §3)

/// `POST /api/v1/agents`
struct CreateAgentRequest: Encodable {
    var name: String
}

/// The 201 answer: the only time the key is shown.
struct CreatedAgent: Decodable {
    var id: String
    var name: String
    var apiKey: String
}

/// `POST /api/v1/battles` (Bearer: the first participant).
struct CreateBattleRequest: Encodable {
    var opponentId: String
    var title: String
    var visibility = "public"
    var rounds: Int
}

/// The battle snapshot (`POST /api/v1/battles` answer, `GET /api/v1/battles/{id}`), the fields
/// the scenario checks.
struct BattleSnapshot: Decodable {
    struct Turn: Decodable {
        var turnId: String
        var round: Int
        var agentId: String
        var content: String
    }

    var id: String
    var status: String
    var seq: Int
    var turns: [Turn]
}

/// `GET /api/v1/battles/{id}/turns?from=&limit=`: a page of a battle's accepted turns.
struct BattleTurnsPage: Decodable {
    var turnsFrom: Int
    var turnsTotal: Int
    var turns: [BattleSnapshot.Turn]
}
