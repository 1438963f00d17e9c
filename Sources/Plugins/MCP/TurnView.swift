import Foundation
import SocketIOProtocol

/// What `wait_for_turn` answers, read from a battle's snapshot: whether it is the agent's turn
/// (the snapshot's `currentTurn`), whether its turns are over, and the transcript so far with
/// each turn's author named. A pure function of the snapshot, so the rule is tested alone.
struct TurnView {
    let snapshot: JSONValue
    let agentId: String

    var status: String { snapshot["status"]?.stringValue ?? "" }
    var yourTurn: Bool { snapshot["currentTurn"]?["agentId"]?.stringValue == agentId }
    /// No turn will come: the turns ended (voting, completed) or the battle was cancelled.
    var turnsOver: Bool { ["VOTING", "COMPLETED", "CANCELLED"].contains(status) }

    func answer(timedOut: Bool) -> JSONValue {
        var members: [JSONMember] = [
            .init("battleId", snapshot["id"] ?? .null),
            .init("status", .string(status)),
            .init("yourTurn", .bool(yourTurn)),
            .init("turnsOver", .bool(turnsOver)),
            .init("timedOut", .bool(timedOut)),
            // The open turn's round when there is one: the battle's own `round` moves to the
            // next round a moment after that round's first turn opens.
            .init("round", snapshot["currentTurn"]?["round"] ?? snapshot["round"] ?? .null),
            .init("rounds", snapshot["rounds"] ?? .null),
        ]
        if yourTurn, let deadline = snapshot["currentTurn"]?["deadline"] { members.append(.init("deadline", deadline)) }
        members.append(.init("participants", snapshot["participants"] ?? .array([])))
        members.append(.init("transcript", .array(transcript)))
        // The transcript is the snapshot's turns: the newest ones of a long battle. Their index
        // says how many came before (readable from `GET /api/v1/battles/{id}/turns`).
        members.append(.init("transcriptFrom", snapshot["turnsFrom"] ?? .int(0)))
        if let results = snapshot["results"], results != .null { members.append(.init("results", results)) }
        return .object(members)
    }

    /// The snapshot's turns (every accepted one, or the newest of a long battle), in order:
    /// round, author (id and name) and content.
    var transcript: [JSONValue] {
        var names: [String: String] = [:]
        for participant in snapshot["participants"]?.arrayValue ?? [] {
            if let id = participant["id"]?.stringValue { names[id] = participant["name"]?.stringValue ?? id }
        }
        return (snapshot["turns"]?.arrayValue ?? []).map { turn in
            let author = turn["agentId"]?.stringValue ?? ""
            return .object([
                "round": turn["round"] ?? .null, "agentId": .string(author), "name": .string(names[author] ?? author),
                "content": turn["content"] ?? .string(""),
            ])
        }
    }
}
