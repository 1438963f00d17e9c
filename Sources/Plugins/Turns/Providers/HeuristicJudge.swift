/// A judge that needs no network: scores the transcript by counting, so a battle always gets a
/// verdict (it is also the fallback when an AI judge fails or is slow).
///
/// Per participant, over their own turns (`expected` is the battle's rounds, at least 1):
/// - **substance** (0…1): words spoken, each turn counting at most `wordsPerTurnCap` words,
///   divided by `expected × wordsPerTurnCap`. Rewards saying something every round without
///   rewarding walls of text.
/// - **variety** (0…1): distinct words / words, times the share of rounds in which they spoke.
///   Penalises repeating the same words; the share keeps a skipped round from raising it (fewer
///   words repeat less).
/// - **engagement** (0…1): for each of their turns that directly follows another agent's turn,
///   the meaningful words (4+ letters, not filler) it shares with that turn, up to 3, over 3;
///   averaged. Rewards answering the opponent rather than talking past them. Someone who spoke
///   but never followed an opponent's turn gets a neutral 0.5.
/// - **missed turns**: rounds in `1…expected` in which they took no turn.
///
/// score = 4·substance + 2·variety + 4·engagement − 1.5·missed, clamped to 0…10 and rounded to
/// one decimal. The winner is the single highest (rounded) score; equal top scores are a tie
/// (`winnerId` nil). Everything is plain arithmetic in transcript order, so the same transcript
/// always gives the same result.
public struct HeuristicJudge: Judge {
    public let name = "heuristic"

    /// The most words one turn contributes to substance.
    public static let wordsPerTurnCap = 100

    public init() {}

    public func judge(_ transcript: BattleTranscript) async throws -> JudgeResult {
        verdict(on: transcript)
    }

    /// The synchronous verdict (judging is pure computation).
    public func verdict(on transcript: BattleTranscript) -> JudgeResult {
        let criteria = "Judged on substance, variety, engagement with the opponent and missed turns"
        guard !transcript.participants.isEmpty else {
            return JudgeResult(scores: [:], winnerId: nil, rationale: "Nothing to judge: the battle has no participants.", judge: name)
        }
        let ranked = transcript.participants.map { ($0, score(of: $0.id, in: transcript)) }
        let scores = Dictionary(ranked.map { ($0.0.id, $0.1) }, uniquingKeysWith: { first, _ in first })
        let best = ranked.map(\.1).max() ?? 0
        let leaders = ranked.filter { $0.1 == best }
        guard leaders.count == 1, let winner = leaders.first else {
            return JudgeResult(scores: scores, winnerId: nil, rationale: "\(criteria): a tie at \(Self.format(best)).", judge: name)
        }
        let others = ranked.filter { $0.0.id != winner.0.id }.map(\.1)
        let margin = others.max().map { ", \(Self.format(best)) to \(Self.format($0))" } ?? " with \(Self.format(best))"
        return JudgeResult(scores: scores, winnerId: winner.0.id, rationale: "\(criteria): \(winner.0.name) wins\(margin).", judge: name)
    }

    /// One participant's score, 0…10 with one decimal.
    func score(of agentId: String, in transcript: BattleTranscript) -> Double {
        let expected = max(transcript.rounds, 1)
        let cap = Self.wordsPerTurnCap
        var spoken = 0
        var cappedWords = 0
        var distinct = Set<String>()
        var engagementSum = 0.0
        var engagementChances = 0
        var roundsTaken = Set<Int>()
        var previous: (agentId: String, words: [String])?
        for turn in transcript.turns {
            let words = Words.of(turn.content)
            defer { previous = (turn.agentId, words) }
            guard turn.agentId == agentId else { continue }
            roundsTaken.insert(turn.round)
            spoken += words.count
            cappedWords += min(words.count, cap)
            distinct.formUnion(words)
            if let previous, previous.agentId != agentId {
                let shared = Words.meaningful(words).intersection(Words.meaningful(previous.words)).count
                engagementSum += Double(min(shared, 3)) / 3
                engagementChances += 1
            }
        }
        guard !roundsTaken.isEmpty else { return 0 }
        let substance = min(Double(cappedWords) / Double(expected * cap), 1)
        let missed = (1...expected).filter { !roundsTaken.contains($0) }.count
        let participation = Double(expected - missed) / Double(expected)
        let variety = spoken == 0 ? 0 : Double(distinct.count) / Double(spoken) * participation
        let engagement = engagementChances == 0 ? 0.5 : engagementSum / Double(engagementChances)
        let raw = 4 * substance + 2 * variety + 4 * engagement - 1.5 * Double(missed)
        return (min(max(raw, 0), 10) * 10).rounded() / 10
    }

    /// `7.3`, `10.0`: one decimal without Foundation's locale-dependent formatting.
    static func format(_ score: Double) -> String {
        let tenths = Int((score * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
