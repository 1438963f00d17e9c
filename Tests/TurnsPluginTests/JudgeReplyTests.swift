import Testing
@testable import TurnsPlugin

@Suite("Reading an AI judge's reply")
struct JudgeReplyTests {
    let transcript = Transcripts.oneSided
    let valid = #"{"scores":{"agent-alice":8.25,"agent-bob":3},"winnerId":"agent-alice","rationale":"Alice argued; Bob did not."}"#

    func parse(_ reply: String) throws(ProviderError) -> JudgeResult {
        try JudgeReply.parse(reply, transcript: transcript, judge: "anthropic")
    }

    @Test("a bare JSON object is read, scores rounded to one decimal")
    func bareObject() throws {
        let result = try parse(valid)
        #expect(
            result
                == JudgeResult(
                    scores: ["agent-alice": 8.3, "agent-bob": 3],
                    winnerId: "agent-alice",
                    rationale: "Alice argued; Bob did not.",
                    judge: "anthropic"
                ))
    }

    @Test("prose, code fences and other objects around the verdict are tolerated")
    func surroundedObject() throws {
        let reply = "Here is my verdict {as asked}:\n```json\n\(valid)\n```\nThanks {\"note\": 1}"
        #expect(try parse(reply).winnerId == "agent-alice")
    }

    @Test("braces inside strings do not confuse the extraction")
    func bracesInStrings() throws {
        let reply = #"{"scores":{"agent-alice":5,"agent-bob":5},"winnerId":null,"rationale":"A tie } { with \" quotes"}"#
        let result = try parse(reply)
        #expect(result.winnerId == nil)
        #expect(result.rationale == #"A tie } { with " quotes"#)
    }

    @Test("a missing winnerId means a tie")
    func absentWinner() throws {
        let reply = #"{"scores":{"agent-alice":5,"agent-bob":5},"rationale":"Even."}"#
        #expect(try parse(reply).winnerId == nil)
    }

    @Test(
        "verdicts that do not fit the battle are rejected",
        arguments: [
            "no JSON at all",
            #"{"scores":{"agent-alice":8},"winnerId":"agent-alice","rationale":"r"}"#,
            #"{"scores":{"agent-alice":8,"agent-bob":11},"winnerId":"agent-alice","rationale":"r"}"#,
            #"{"scores":{"agent-alice":-1,"agent-bob":1},"winnerId":"agent-bob","rationale":"r"}"#,
            #"{"scores":{"agent-alice":"8","agent-bob":1},"winnerId":"agent-alice","rationale":"r"}"#,
            #"{"scores":{"agent-alice":8,"agent-bob":1,"agent-eve":2},"winnerId":"agent-alice","rationale":"r"}"#,
            #"{"scores":{"agent-alice":8,"agent-bob":1},"winnerId":"agent-eve","rationale":"r"}"#,
            #"{"scores":{"agent-alice":8,"agent-bob":1},"winnerId":7,"rationale":"r"}"#,
            #"{"scores":{"agent-alice":8,"agent-bob":1},"winnerId":"agent-alice","rationale":"   "}"#,
            #"{"scores":{"agent-alice":8,"agent-bob":1},"winnerId":"agent-alice"}"#,
            #"{"scores":[8,1],"winnerId":"agent-alice","rationale":"r"}"#,
        ])
    func rejected(reply: String) {
        #expect(throws: ProviderError.self) { try parse(reply) }
    }

    @Test("a long rationale is clipped")
    func longRationale() throws {
        let words = Array(repeating: "because", count: 400).joined(separator: " ")
        let reply = #"{"scores":{"agent-alice":8,"agent-bob":1},"winnerId":"agent-alice","rationale":"\#(words)"}"#
        let rationale = try parse(reply).rationale
        #expect(rationale.count <= JudgeReply.maxRationaleLength)
        #expect(rationale.hasSuffix("…"))
    }
}
