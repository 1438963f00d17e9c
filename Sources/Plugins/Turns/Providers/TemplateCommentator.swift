/// A commentator that needs no network: one line from a fixed set of templates, filled with the
/// agent's name, the round and the turn's word count, and a closing line for the battle's last
/// turn. It is the fallback when an AI commentator fails or is slow.
///
/// The template is chosen by a stable hash (FNV-1a) of the turn id, not by Swift's per-process
/// randomised `hashValue`, so the same turn gets the same line on every run and every replica.
///
/// The last turn is a turn of the final round (`round >= transcript.rounds`) that completes it:
/// with it, every participant has a turn in that round among the transcript's turns up to it.
public struct TemplateCommentator: Commentator {
    public let name = "template"

    public init() {}

    public func comment(on turn: BattleTranscript.Turn, in transcript: BattleTranscript) async throws -> String {
        line(for: turn, in: transcript)
    }

    /// The synchronous line (it is pure computation).
    public func line(for turn: BattleTranscript.Turn, in transcript: BattleTranscript) -> String {
        let count = Words.of(turn.content).count
        let templates: [Template]
        if count == 0 {
            templates = Self.silent
        } else if Self.isLastTurn(turn, in: transcript) {
            templates = Self.closing
        } else {
            templates = Self.regular
        }
        let index = Int(StableHash.fnv1a(turn.turnId) % UInt64(templates.count))
        let words = count == 1 ? "1 word" : "\(count) words"
        return templates[index](transcript.name(of: turn.agentId), turn.round, words)
    }

    static func isLastTurn(_ turn: BattleTranscript.Turn, in transcript: BattleTranscript) -> Bool {
        guard turn.round >= transcript.rounds, !transcript.participants.isEmpty else { return false }
        let upToTurn =
            transcript.turns.firstIndex { $0.turnId == turn.turnId }
            .map { transcript.turns[...$0] } ?? transcript.turns[...]
        let spoke = Set(upToTurn.filter { $0.round == turn.round }.map(\.agentId)).union([turn.agentId])
        return transcript.participants.allSatisfy { spoke.contains($0.id) }
    }

    /// (name, round, "N words") → line.
    typealias Template = @Sendable (String, Int, String) -> String

    static let regular: [Template] = [
        { name, round, words in "\(name) steps up in round \(round) with \(words)." },
        { name, round, words in "Round \(round): \(name) fires off \(words)." },
        { name, round, words in "\(name) makes the case in round \(round), \(words) on the board." },
        { name, round, words in "\(words) from \(name) in round \(round). Over to the opponent!" },
        { name, round, words in "\(name) takes the floor for round \(round) and delivers \(words)." },
    ]

    static let closing: [Template] = [
        { name, _, words in "\(name) closes the battle with \(words). Over to the judge!" },
        { name, round, words in "Last word to \(name): \(words) to seal round \(round)." },
        { name, _, words in "That's the final turn: \(name) signs off with \(words)." },
    ]

    static let silent: [Template] = [
        { name, round, _ in "\(name) stays silent in round \(round)." },
        { name, round, _ in "Not a word from \(name) in round \(round)." },
    ]
}
