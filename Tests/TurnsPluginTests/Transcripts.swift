import TurnsPlugin

/// Battles to judge and comment on.
enum Transcripts {
    static let alice = BattleTranscript.Speaker(id: "agent-alice", name: "Alice")
    static let bob = BattleTranscript.Speaker(id: "agent-bob", name: "Bob")

    static func turn(_ round: Int, _ speaker: BattleTranscript.Speaker, _ content: String) -> BattleTranscript.Turn {
        .init(turnId: "turn-\(round)-\(speaker.id)", round: round, agentId: speaker.id, content: content)
    }

    static func battle(rounds: Int = 2, _ turns: [BattleTranscript.Turn]) -> BattleTranscript {
        BattleTranscript(battleId: "battle-1", title: "Remote work", participants: [alice, bob], rounds: rounds, turns: turns)
    }

    /// Alice argues at length and answers Bob; Bob repeats one word.
    static let oneSided = battle([
        turn(
            1, alice,
            "Remote work improves productivity because people avoid commuting, focus deeply "
                + "in quiet rooms, and schedule their days around energy rather than office hours."
        ),
        turn(1, bob, "Nope nope nope."),
        turn(
            2, alice,
            "Saying nope three times is not an argument: commuting wastes hours, quiet rooms help focus, and productivity studies keep confirming it."
        ),
        turn(2, bob, "Nope nope nope nope."),
    ])

    /// Both say exactly the same thing each round: nothing to choose between them.
    static let mirrored = battle([
        turn(1, alice, "Solar panels lower electricity bills while cutting carbon emissions."),
        turn(1, bob, "Solar panels lower electricity bills while cutting carbon emissions."),
        turn(2, alice, "Solar panels lower electricity bills while cutting carbon emissions."),
        turn(2, bob, "Solar panels lower electricity bills while cutting carbon emissions."),
    ])

    /// `mirrored` without Bob's second turn.
    static let bobMissesRoundTwo = battle(Array(mirrored.turns.prefix(3)))
}
