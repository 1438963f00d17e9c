import SocketIOProtocol

/// Reads an AI judge's reply into a `JudgeResult`, checking it before it can decide a battle.
///
/// Models wrap JSON in prose or code fences despite being told not to, so the first JSON object
/// with a `scores` member anywhere in the reply is taken. It must then: score every participant
/// and nobody else, with numbers in 0…10 (rounded here to one decimal, as the heuristic judge
/// scores); name as `winnerId` a participant, or null/absent for a tie; give a non-empty
/// `rationale` (clipped to `maxRationaleLength`). Anything else is a `ProviderError`, so the
/// caller falls back rather than publishing a verdict that does not fit the battle.
enum JudgeReply {
    static let maxRationaleLength = 600

    static func parse(_ reply: String, transcript: BattleTranscript, judge: String) throws(ProviderError) -> JudgeResult {
        func failure(_ reason: String) -> ProviderError {
            ProviderError(provider: judge, reason: reason)
        }
        guard let object = firstObject(in: reply, withKey: "scores") else {
            throw failure("the reply has no JSON object with scores")
        }
        guard case .object(let members)? = object["scores"] else {
            throw failure("scores is not an object")
        }
        let ids = Set(transcript.participants.map(\.id))
        var scores: [String: Double] = [:]
        for member in members {
            guard ids.contains(member.key) else {
                throw failure("score for an agent not in the battle: \(member.key)")
            }
            guard let score = number(member.value), score.isFinite, (0...10).contains(score) else {
                throw failure("score for \(member.key) is not a number from 0 to 10")
            }
            scores[member.key] = (score * 10).rounded() / 10
        }
        if let missing = transcript.participants.first(where: { scores[$0.id] == nil }) {
            throw failure("no score for \(missing.id)")
        }
        let winnerId: String?
        switch object["winnerId"] {
        case nil, .null?:
            winnerId = nil
        case .string(let id)? where ids.contains(id):
            winnerId = id
        default:
            throw failure("winnerId is neither null nor an agent in the battle")
        }
        guard let rationale = object["rationale"]?.stringValue.map(TextClip.singleLine), !rationale.isEmpty else {
            throw failure("no rationale")
        }
        return JudgeResult(
            scores: scores,
            winnerId: winnerId,
            rationale: TextClip.clip(rationale, maxLength: maxRationaleLength),
            judge: judge
        )
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    /// The first `{…}` span of `text` that parses as a JSON object having `key`. Spans are found
    /// by brace matching that skips over JSON strings; at most `maxCandidates` are tried, so a
    /// reply full of braces costs bounded work.
    static func firstObject(in text: String, withKey key: String, maxCandidates: Int = 32) -> JSONValue? {
        let bytes = Array(text.utf8)
        var start = 0
        var tried = 0
        while tried < maxCandidates, let open = bytes[start...].firstIndex(of: UInt8(ascii: "{")) {
            tried += 1
            if let close = matchingBrace(bytes, from: open),
                let value = try? JSONParser.parse(bytes[open...close]),
                value[key] != nil
            {
                return value
            }
            start = open + 1
        }
        return nil
    }

    /// The index of the `}` closing the `{` at `open`, or nil when the text ends first.
    static func matchingBrace(_ bytes: [UInt8], from open: Int) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        for index in open..<bytes.count {
            let byte = bytes[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 { return index }
            default: break
            }
        }
        return nil
    }
}
