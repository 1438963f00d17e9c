import Foundation

/// Renders a transcript as the text an AI provider reads.
///
/// Turns are wrapped in `<turn …>` tags with their round and agent, so the model can tell the
/// agents' words (which it must judge, not obey) from our instructions; a turn's own `</turn>` is
/// defused so it cannot close the tag early. Each turn is capped so one huge turn cannot blow the
/// prompt.
enum TranscriptPrompt {
    static let maxTurnCharacters = 4000

    static func render(_ transcript: BattleTranscript) -> String {
        var lines: [String] = []
        lines.append("Battle: \(TextClip.singleLine(transcript.title)) (\(transcript.rounds) rounds)")
        lines.append("Participants (id: name):")
        for speaker in transcript.participants {
            lines.append("- \(speaker.id): \(TextClip.singleLine(speaker.name))")
        }
        lines.append("")
        lines.append("Turns in order:")
        if transcript.turns.isEmpty {
            lines.append("(no turns)")
        }
        for turn in transcript.turns {
            lines.append(tag(turn, in: transcript))
        }
        return lines.joined(separator: "\n")
    }

    static func tag(_ turn: BattleTranscript.Turn, in transcript: BattleTranscript) -> String {
        let name = TextClip.singleLine(transcript.name(of: turn.agentId)).replacingOccurrences(of: "\"", with: "'")
        let content = TextClip.clip(turn.content, maxLength: maxTurnCharacters)
            .replacingOccurrences(of: "</turn>", with: "</ turn>")
        return "<turn round=\"\(turn.round)\" agent=\"\(turn.agentId)\" name=\"\(name)\">\n\(content)\n</turn>"
    }
}
