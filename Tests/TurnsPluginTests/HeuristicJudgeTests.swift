import Runtime
import SocketIOProtocol
import Testing
import TurnsPlugin

@Suite("Heuristic judge")
struct HeuristicJudgeTests {
    @Test("the same transcript always gets the same verdict")
    func deterministic() async throws {
        let first = try await HeuristicJudge().judge(Transcripts.oneSided)
        let second = try await HeuristicJudge().judge(Transcripts.oneSided)
        #expect(first == second)
        #expect(first.judge == "heuristic")
    }

    @Test("the agent who argues and answers beats the one who repeats a word")
    func picksTheStrongerTranscript() throws {
        let result = HeuristicJudge().verdict(on: Transcripts.oneSided)
        let alice = try #require(result.scores[Transcripts.alice.id])
        let bob = try #require(result.scores[Transcripts.bob.id])
        #expect(alice > bob)
        #expect(result.winnerId == Transcripts.alice.id)
        #expect(result.rationale.contains("Alice wins"))
        #expect(result.rationale.contains("substance"))
    }

    @Test("scores are 0 to 10 with one decimal, one per participant")
    func scoresInRange() {
        for transcript in [Transcripts.oneSided, Transcripts.mirrored, Transcripts.bobMissesRoundTwo, Transcripts.battle([])] {
            let result = HeuristicJudge().verdict(on: transcript)
            #expect(Set(result.scores.keys) == [Transcripts.alice.id, Transcripts.bob.id])
            for score in result.scores.values {
                #expect((0...10).contains(score))
                #expect((score * 10).rounded() == score * 10)
            }
        }
    }

    @Test("identical performances are a tie: no winner")
    func tieHasNoWinner() {
        let result = HeuristicJudge().verdict(on: Transcripts.mirrored)
        #expect(result.scores[Transcripts.alice.id] == result.scores[Transcripts.bob.id])
        #expect(result.winnerId == nil)
        #expect(result.rationale.contains("tie"))
        // On the wire the tie says so: "winnerId": null, not a missing field.
        let json = try! JSONParser.parse(try! ArenaJSON.encode(result))
        #expect(json["winnerId"] == .null)
    }

    @Test("a battle where nobody spoke is a tie at zero")
    func silentBattle() {
        let result = HeuristicJudge().verdict(on: Transcripts.battle([]))
        #expect(result.scores == [Transcripts.alice.id: 0, Transcripts.bob.id: 0])
        #expect(result.winnerId == nil)
    }

    @Test("a missed turn lowers the score and hands the win to the opponent")
    func missedTurnsCost() throws {
        let full = HeuristicJudge().verdict(on: Transcripts.mirrored)
        let missed = HeuristicJudge().verdict(on: Transcripts.bobMissesRoundTwo)
        let bobFull = try #require(full.scores[Transcripts.bob.id])
        let bobMissed = try #require(missed.scores[Transcripts.bob.id])
        #expect(bobMissed <= bobFull - 1.5)
        #expect(missed.winnerId == Transcripts.alice.id)
    }

    @Test("a battle without participants gets an empty verdict")
    func noParticipants() {
        let empty = BattleTranscript(battleId: "b", title: "t", participants: [], rounds: 1, turns: [])
        let result = HeuristicJudge().verdict(on: empty)
        #expect(result.scores.isEmpty)
        #expect(result.winnerId == nil)
        #expect(!result.rationale.isEmpty)
    }
}
