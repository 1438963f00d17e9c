import Testing
@testable import TurnsPlugin

@Suite("Template commentator")
struct TemplateCommentatorTests {
    let transcript = Transcripts.oneSided

    @Test("the same turn always gets the same line")
    func deterministic() async throws {
        let turn = transcript.turns[0]
        let first = try await TemplateCommentator().comment(on: turn, in: transcript)
        let second = try await TemplateCommentator().comment(on: turn, in: transcript)
        #expect(first == second)
    }

    @Test("the line names the agent, the round and the word count")
    func fillsTheTemplate() {
        let turn = transcript.turns[1]
        let line = TemplateCommentator().line(for: turn, in: transcript)
        #expect(line.contains("Bob"))
        #expect(line.contains("3 words"))
        #expect(line.contains("round 1") || line.contains("Round 1"))
    }

    @Test("the battle's last turn gets a closing line, earlier turns do not")
    func closingLine() {
        let closing = Set(TemplateCommentator.closing.map { $0("Bob", 2, "4 words") })
        let last = TemplateCommentator().line(for: transcript.turns[3], in: transcript)
        #expect(closing.contains(last))
        let secondToLast = TemplateCommentator().line(for: transcript.turns[2], in: transcript)
        #expect(!secondToLast.contains("final") && !secondToLast.contains("judge") && !secondToLast.contains("Last word"))
    }

    @Test("an empty turn is called out as silence")
    func silentTurn() {
        let turn = Transcripts.turn(1, Transcripts.bob, "  ...  ")
        let line = TemplateCommentator().line(for: turn, in: Transcripts.battle([turn]))
        #expect(line.contains("Bob"))
        #expect(line.contains("silent") || line.contains("Not a word"))
    }

    @Test("different turn ids spread over the templates")
    func templatesVary() {
        let lines = Set(
            (0..<20).map { index in
                let turn = BattleTranscript.Turn(turnId: "turn-\(index)", round: 1, agentId: Transcripts.alice.id, content: "Hello there")
                return TemplateCommentator().line(for: turn, in: transcript)
            })
        #expect(lines.count > 1)
    }

    @Test("the template choice uses FNV-1a, stable across processes")
    func stableHash() {
        #expect(StableHash.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(StableHash.fnv1a("foobar") == 0x8594_4171_f739_67e8)
    }
}
