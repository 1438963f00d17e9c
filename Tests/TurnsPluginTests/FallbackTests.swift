import Testing
import TurnsPlugin

/// Providers that misbehave on purpose, without any network.
enum Stub {
    struct Failing: Judge, Commentator {
        let name = "failing"
        func judge(_ transcript: BattleTranscript) async throws -> JudgeResult {
            throw ProviderError(provider: name, reason: "down")
        }
        func comment(on turn: BattleTranscript.Turn, in transcript: BattleTranscript) async throws -> String {
            throw ProviderError(provider: name, reason: "down")
        }
    }

    /// Never answers and ignores cancellation: the worst case for a timeout. It waits on `gate`
    /// (deaf to cancellation), which the test opens at the end so that nothing outlives it.
    struct Stuck: Judge, Commentator {
        let name = "stuck"
        let gate: Gate
        func judge(_ transcript: BattleTranscript) async throws -> JudgeResult {
            await gate.wait()
            return JudgeResult(scores: [:], winnerId: nil, rationale: "too late", judge: name)
        }
        func comment(on turn: BattleTranscript.Turn, in transcript: BattleTranscript) async throws -> String {
            await gate.wait()
            return "too late"
        }
    }

    struct Fixed: Judge {
        let name = "fixed"
        func judge(_ transcript: BattleTranscript) async throws -> JudgeResult {
            JudgeResult(scores: ["agent-alice": 1, "agent-bob": 9], winnerId: "agent-bob", rationale: "Fixed.", judge: name)
        }
    }
}

@Suite("Fallback judge and commentator")
struct FallbackTests {
    let transcript = Transcripts.oneSided

    @Test("a failing judge is replaced by the fallback, which says so")
    func failingJudge() async throws {
        let result = try await FallbackJudge(primary: Stub.Failing(), fallback: HeuristicJudge(), timeout: .seconds(5)).judge(transcript)
        var expected = HeuristicJudge().verdict(on: transcript)
        expected.judge = "heuristic (fallback)"
        #expect(result == expected)
    }

    @Test("a judge that ignores cancellation and never answers is abandoned after the timeout")
    func stuckJudge() async throws {
        let gate = Gate()
        defer { gate.open() }
        let judge = FallbackJudge(primary: Stub.Stuck(gate: gate), fallback: HeuristicJudge(), timeout: .milliseconds(200))
        var result: JudgeResult?
        let took = try await elapsed { result = try await judge.judge(transcript) }
        #expect(result?.judge == "heuristic (fallback)")
        #expect(took >= .milliseconds(200))
        #expect(took < Bounds.farBelowAnyOtherEnd)
    }

    @Test("a judge that answers in time is used as is")
    func answeringJudge() async throws {
        let judge = FallbackJudge(primary: Stub.Fixed(), fallback: HeuristicJudge(), timeout: .seconds(5))
        #expect(judge.name == "fixed")
        let result = try await judge.judge(transcript)
        #expect(result.judge == "fixed")
        #expect(result.winnerId == "agent-bob")
    }

    @Test("cancelling the caller cancels the judging instead of falling back")
    func cancelledCaller() async throws {
        let gate = Gate()
        defer { gate.open() }
        let judge = FallbackJudge(primary: Stub.Stuck(gate: gate), fallback: HeuristicJudge(), timeout: .seconds(30))
        let task = Task { try await judge.judge(transcript) }
        task.cancel()
        let took = await elapsed {
            await #expect(throws: CancellationError.self) { try await task.value }
        }
        #expect(took < Bounds.farBelowAnyOtherEnd)
    }

    @Test("a failing commentator is replaced by the template line")
    func failingCommentator() async throws {
        let line = try await FallbackCommentator(primary: Stub.Failing(), fallback: TemplateCommentator(), timeout: .seconds(5))
            .comment(on: transcript.turns[0], in: transcript)
        #expect(line == TemplateCommentator().line(for: transcript.turns[0], in: transcript))
    }

    @Test("a commentator that ignores cancellation and never answers is abandoned after the timeout")
    func stuckCommentator() async throws {
        let gate = Gate()
        defer { gate.open() }
        let commentator = FallbackCommentator(primary: Stub.Stuck(gate: gate), fallback: TemplateCommentator(), timeout: .milliseconds(200))
        var line = ""
        let took = try await elapsed { line = try await commentator.comment(on: transcript.turns[0], in: transcript) }
        #expect(line == TemplateCommentator().line(for: transcript.turns[0], in: transcript))
        #expect(took < Bounds.farBelowAnyOtherEnd)
    }
}
