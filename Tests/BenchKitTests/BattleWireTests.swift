@testable import BenchKit
import Foundation
import NIOCore
import Testing

@Suite struct BattleWireTests {
    /// The text a client frame carries, unmasked.
    func text(of frame: ByteBuffer) -> String {
        var frame = frame
        _ = frame.readInteger(as: UInt8.self)
        var length = Int(frame.readInteger(as: UInt8.self)! & 0x7F)
        if length == 126 { length = Int(frame.readInteger(as: UInt16.self)!) }
        let key = frame.readBytes(length: 4)!
        let masked = frame.readBytes(length: length)!
        return String(decoding: masked.enumerated().map { $0.element ^ key[$0.offset & 3] }, as: UTF8.self)
    }

    func with<T>(_ text: String, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        Array(text.utf8).withUnsafeBytes(body)
    }

    @Test func turnContentHasTheTargetSizeAndReadsBackFromTheBroadcast() {
        for (n, ts) in [(UInt64(0), UInt64(1)), (17, 123_456_789_012), (99_999, UInt64.max / 3)] {
            let content = BattleTurnContent.write(n: n, ts: ts, targetBytes: 200)
            #expect(content.count == 200)
            let text = String(decoding: content, as: UTF8.self)
            #expect(text.hasPrefix("bench-n=\(n) bench-ts=\(ts) "))
            #expect(!text.hasSuffix(" ") && text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "=" || $0 == "-" || $0 == " " })
            // As the server broadcasts it: seq first, its own fields around the content.
            let broadcast = #"42["battle:turn",{"seq":42,"battleId":"btl_1","turnId":"trn_9","round":3,"agentId":"agt_a","content":"\#(text)"}]"#
            let read = with(broadcast) { BattleTurnContent.read($0) }
            #expect(read?.n == n && read?.ts == ts)
        }
    }

    @Test func turnContentIsNotReadFromOtherTexts() {
        #expect(with(#"42["battle:turn",{"seq":1,"content":"no markers here"}]"#) { BattleTurnContent.read($0) } == nil)
        #expect(with(#"42["battle:turn",{"content":"bench-n=3 only"}]"#) { BattleTurnContent.read($0) } == nil)
    }

    @Test func eventsAreClassifiedByName() {
        #expect(with(#"42["battle:turn",{"seq":1}]"#) { BattleEventName.index(of: $0) } == BattleEventName.turnIndex)
        #expect(with(#"42["battle:turn_accepted",{}]"#) { BattleEventName.index(of: $0) } == BattleEventName.turnAccepted.index)
        #expect(with(#"42["battle:turn_skipped",{}]"#) { BattleEventName.index(of: $0) } == BattleEventName.turnSkipped.index)
        #expect(with(#"42["battle:ended",{}]"#) { BattleEventName.index(of: $0) } == BattleEventName.endedIndex)
        #expect(with(#"42["error",{}]"#) { BattleEventName.index(of: $0) } == BattleEventName.errorIndex)
        #expect(with(#"42["battle:new_thing",{}]"#) { BattleEventName.index(of: $0) } == BattleEventName.otherIndex)
        #expect(with("42") { BattleEventName.index(of: $0) } == BattleEventName.otherIndex)
    }

    @Test func agentEventsDecodeTheirPayloadOnly() {
        let yourTurn = with(#"42["battle:your_turn",{"battleId":"btl_1","round":2,"deadline":"2026-11-28T10:00:00.000Z"}]"#) { YourTurn.decode($0) }
        #expect(yourTurn?.battleId == "btl_1" && yourTurn?.round == 2)
        let accepted = with(#"42["battle:turn_accepted",{"battleId":"btl_1","turnId":"trn_7","round":1}]"#) { TurnAccepted.decode($0) }
        #expect(accepted?.turnId == "trn_7")
        let error = with(#"42["error",{"code":"RATE_LIMITED","message":"slow down","event":"battle:submit_turn"}]"#) { ErrorEvent.decode($0) }
        #expect(error?.code == "RATE_LIMITED" && error?.event == "battle:submit_turn")
        let limit = with(#"42["rate_limit_exceeded",{"event":"battle:submit_turn","retryAfterMs":250}]"#) { RateLimitExceeded.decode($0) }
        #expect(limit?.retryAfterMs == 250)
        let ended = with(#"42["battle:ended",{"seq":9,"battleId":"btl_1","reason":"completed"}]"#) { BattleEnded.decode($0) }
        #expect(ended?.reason == "completed")
        // Another event, or a payload missing a field, is not this one.
        #expect(with(#"42["battle:turn",{"battleId":"btl_1","turnId":"t","round":1}]"#) { TurnAccepted.decode($0) } == nil)
        #expect(with(#"42["battle:turn_accepted",{"battleId":"btl_1"}]"#) { TurnAccepted.decode($0) } == nil)
    }

    @Test func submitTurnIsOneSocketIOEventWithoutAck() {
        let submit = SubmitTurn(battleId: "btl_\"1", content: Array("bench-n=1 bench-ts=2 words".utf8), clientTurnId: "bench-1")
        #expect(
            String(decoding: submit.message, as: UTF8.self)
                == #"42["battle:submit_turn",{"battleId":"btl_\"1","content":"bench-n=1 bench-ts=2 words","clientTurnId":"bench-1"}]"#)
    }

    @Test func agentsConnectWithTheirKeyAndJoinWithAnAckId() {
        #expect(text(of: ClientFrame.connect(token: "moltarena_sk_abc")) == #"40{"token":"moltarena_sk_abc"}"#)
        #expect(text(of: ClientFrame.connect) == "40")
        #expect(text(of: ClientFrame.join(battleId: "btl_1")) == #"420["battle:join",{"battleId":"btl_1"}]"#)
        #expect(text(of: ClientFrame.join(battleId: "btl_2", ackId: 12)) == #"4212["battle:join",{"battleId":"btl_2"}]"#)
    }

    @Test func snapshotDecodesTheTurns() throws {
        let json = #"""
            {"id":"btl_1","title":"t","status":"COMPLETED","visibility":"public","rounds":1,"round":1,"seq":7,
             "participants":[{"id":"agt_a","name":"a"}],"createdAt":"2026-11-28T10:00:00.000Z","votes":{},"results":null,
             "turns":[{"turnId":"trn_1","round":1,"agentId":"agt_a","content":"bench-n=0 bench-ts=5 x","createdAt":"2026-11-28T10:00:00.000Z"}]}
            """#
        let snapshot = try JSONDecoder().decode(BattleSnapshot.self, from: Data(json.utf8))
        #expect(snapshot.status == "COMPLETED" && snapshot.seq == 7 && snapshot.turns.map(\.turnId) == ["trn_1"])
    }
}

@Suite struct SpectatorAccountingTests {
    @Test func aTallyCountsDistinctTurnsInOrder() {
        let tally = SpectatorTally()
        for n: UInt64 in [0, 1, 3, 3, 2, 4] { tally.turn(n) }
        #expect(tally.turns == 4)  // 0, 1, 3, 4
        #expect(tally.outOfOrder == 2)  // 3 again, 2 after 3
        #expect(tally.lastN == 4)
    }

    @Test func theSummaryCountsWhatEachSpectatorMissed() {
        let complete = SpectatorTally()
        let short = SpectatorTally()
        for n: UInt64 in 0..<5 { complete.turn(n) }
        for n: UInt64 in [0, 1, 4] { short.turn(n) }
        complete.ended = 1
        var summary = SpectatorSummary()
        summary.add(complete, acceptedTurns: 5, endedBattles: 1)
        summary.add(short, acceptedTurns: 5, endedBattles: 1)
        var other = SpectatorSummary()
        other.add(SpectatorTally(), acceptedTurns: 5, endedBattles: 1)
        summary.merge(other)
        #expect(summary == SpectatorSummary(spectators: 3, turns: 8, missingTurns: 7, spectatorsMissingTurns: 2, outOfOrder: 0, sawEveryEnd: 1))
    }

    @Test func spectatorsCountEventsFromTheWindowOnAndTimeTurnsSentInIt() {
        let stats = LoopStats()
        let tally = SpectatorTally()
        let turn = { (n: UInt64, ts: UInt64) in
            Array(#"42["battle:turn",{"seq":1,"content":"bench-n=\#(n) bench-ts=\#(ts) words"}]"#.utf8)
        }
        let presence = Array(#"42["battle:presence",{"spectators":3}]"#.utf8)
        presence.withUnsafeBytes { stats.battleEvent($0, now: 50, tally: tally) }  // before the window
        stats.windowStart = 100
        stats.windowEnd = 1_000_000
        turn(0, 150).withUnsafeBytes { stats.battleEvent($0, now: 2_150, tally: tally) }
        turn(1, 2_000_000).withUnsafeBytes { stats.battleEvent($0, now: 2_100_000, tally: tally) }  // sent after the window
        presence.withUnsafeBytes { stats.battleEvent($0, now: 3_000_000, tally: tally) }
        let snapshot = stats.snapshot
        #expect(snapshot.battleEvents[BattleEventName.turnIndex] == 2)
        #expect(snapshot.battleEvents[BattleEventName.presence.index] == 1)
        #expect(snapshot.lastEventAt == 3_000_000)
        #expect(snapshot.latency.totalCount == 1 && snapshot.latency.max == 2)  // 2 µs
        #expect(tally.turns == 2)
        stats.closing = true
        turn(2, 150).withUnsafeBytes { stats.battleEvent($0, now: 4_000_000, tally: tally) }
        #expect(tally.turns == 2)
    }
}
