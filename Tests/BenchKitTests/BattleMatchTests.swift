@testable import BenchKit
import NIOCore
import NIOEmbedded
import Testing

/// The agents' side of the battle scenario, driven by hand on an embedded loop: what they send
/// for each event and what they count. No clock is asserted on.
@Suite struct BattleMatchTests {
    let loop = EmbeddedEventLoop()
    let match: BattleMatch
    let alpha: BattlePlayer
    let beta: BattlePlayer
    let alphaChannel: EmbeddedChannel
    let betaChannel: EmbeddedChannel

    init() throws {
        match = BattleMatch(loop: loop, battleIds: ["btl_1", "btl_2"], contentBytes: 100, duration: 3_600_000_000_000)
        alpha = BattlePlayer(match: match, agentId: "agt_a")
        beta = BattlePlayer(match: match, agentId: "agt_b")
        alphaChannel = EmbeddedChannel(loop: loop)
        betaChannel = EmbeddedChannel(loop: loop)
        for channel in [alphaChannel, betaChannel] {
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 3000)).wait()
        }
        alpha.channel = alphaChannel
        beta.channel = betaChannel
        match.add(alpha)
        match.add(beta)
    }

    func receive(_ text: String, by player: BattlePlayer) {
        Array(text.utf8).withUnsafeBytes { player.received($0, now: monotonicNow(), channel: player.channel!) }
    }

    /// The Socket.IO texts written to a channel since the last call, unmasked.
    func sent(on channel: EmbeddedChannel) throws -> [String] {
        var texts: [String] = []
        while var frame = try channel.readOutbound(as: ByteBuffer.self) {
            _ = frame.readInteger(as: UInt8.self)
            var length = Int(frame.readInteger(as: UInt8.self)! & 0x7F)
            if length == 126 { length = Int(frame.readInteger(as: UInt16.self)!) }
            let key = frame.readBytes(length: 4)!
            let masked = frame.readBytes(length: length)!
            texts.append(String(decoding: masked.enumerated().map { $0.element ^ key[$0.offset & 3] }, as: UTF8.self))
        }
        return texts
    }

    /// The server may offer an agent its next round before the ack of its previous turn reaches
    /// it (the other agent played in between): the offer is played once the ack comes.
    @Test func anOfferThatOvertakesTheAckIsPlayedWhenTheAckComes() throws {
        receive(#"42["battle:your_turn",{"battleId":"btl_1","round":1,"deadline":"x"}]"#, by: alpha)
        #expect(try sent(on: alphaChannel).count == 1)
        receive(#"42["battle:your_turn",{"battleId":"btl_1","round":2,"deadline":"x"}]"#, by: alpha)
        #expect(try sent(on: alphaChannel).isEmpty, "one submission at a time")
        receive(#"42["battle:turn_accepted",{"battleId":"btl_1","turnId":"trn_1","round":1}]"#, by: alpha)
        let next = try sent(on: alphaChannel)
        #expect(next.count == 1 && next[0].contains(#""clientTurnId":"bench-1""#), "\(next)")
        receive(#"42["battle:turn_accepted",{"battleId":"btl_1","turnId":"trn_2","round":2}]"#, by: alpha)
        #expect(try sent(on: alphaChannel).isEmpty)
        #expect(match.accepted.map(\.turnId) == ["trn_1", "trn_2"])
    }

    @Test func playsTurnsAndMovesToTheNextBattle() throws {
        receive(#"42["battle:your_turn",{"battleId":"btl_1","round":1,"deadline":"x"}]"#, by: alpha)
        let first = try sent(on: alphaChannel)
        #expect(first.count == 1 && first[0].hasPrefix(#"42["battle:submit_turn",{"battleId":"btl_1","content":"bench-n=0 bench-ts="#))
        #expect(first[0].hasSuffix(#","clientTurnId":"bench-0"}]"#))
        // A repeated offer while the submission is unanswered sends nothing more.
        receive(#"42["battle:your_turn",{"battleId":"btl_1","round":1,"deadline":"x"}]"#, by: alpha)
        #expect(try sent(on: alphaChannel).isEmpty)
        receive(#"42["battle:turn_accepted",{"battleId":"btl_1","turnId":"trn_1","round":1}]"#, by: alpha)
        receive(#"42["battle:your_turn",{"battleId":"btl_1","round":1,"deadline":"x"}]"#, by: beta)
        #expect(try sent(on: betaChannel).first?.contains(#""clientTurnId":"bench-1""#) == true)
        receive(#"42["battle:turn_accepted",{"battleId":"btl_1","turnId":"trn_2","round":1}]"#, by: beta)

        // Both agents see the end; the battle counts once and both join the next one.
        receive(#"42["battle:ended",{"seq":8,"battleId":"btl_1","reason":"completed"}]"#, by: alpha)
        receive(#"42["battle:ended",{"seq":8,"battleId":"btl_1","reason":"completed"}]"#, by: beta)
        #expect(try sent(on: alphaChannel) == [#"421["battle:join",{"battleId":"btl_2"}]"#])
        #expect(try sent(on: betaChannel) == [#"421["battle:join",{"battleId":"btl_2"}]"#])
        #expect(match.ended.map(\.reason) == ["completed"] && !match.finished)

        // An offer for the old battle is ignored; the new battle's is played.
        receive(#"42["battle:your_turn",{"battleId":"btl_1","round":1,"deadline":"x"}]"#, by: alpha)
        #expect(try sent(on: alphaChannel).isEmpty)
        receive(#"42["battle:your_turn",{"battleId":"btl_2","round":1,"deadline":"x"}]"#, by: alpha)
        #expect(try sent(on: alphaChannel).first?.contains(#""battleId":"btl_2","content":"bench-n=2 "#) == true)
        // The server announces the end before it answers the last submission.
        receive(#"42["battle:ended",{"seq":3,"battleId":"btl_2","reason":"completed"}]"#, by: beta)
        #expect(!match.finished)
        receive(#"42["battle:turn_accepted",{"battleId":"btl_2","turnId":"trn_3","round":1}]"#, by: alpha)

        #expect(match.finished && match.endedBy == "battles")
        #expect(match.accepted.map(\.turnId) == ["trn_1", "trn_2", "trn_3"])
        #expect(match.accepted.map(\.n) == [0, 1, 2])
        #expect(match.accepted.map(\.battleId) == ["btl_1", "btl_1", "btl_2"])
        #expect(match.submitted == 3 && match.acceptLatency.totalCount == 3 && match.submitErrors == 0)
        #expect(try sent(on: alphaChannel).isEmpty)
    }

    @Test func aRateLimitedTurnIsSentAgainAfterTheWaitWithTheSameNumber() throws {
        receive(#"42["battle:your_turn",{"battleId":"btl_1","round":1,"deadline":"x"}]"#, by: alpha)
        _ = try sent(on: alphaChannel)
        receive(#"42["error",{"code":"RATE_LIMITED","message":"m","event":"battle:submit_turn"}]"#, by: alpha)
        receive(#"42["rate_limit_exceeded",{"event":"battle:submit_turn","retryAfterMs":40}]"#, by: alpha)
        #expect(try sent(on: alphaChannel).isEmpty)
        loop.advanceTime(by: .milliseconds(40))
        let again = try sent(on: alphaChannel)
        #expect(again.count == 1 && again[0].contains(#""clientTurnId":"bench-0""#))
        #expect(match.rateLimited == 1 && match.submitted == 2 && match.submitErrors == 0)
    }

    @Test func aRefusedTurnIsCountedAndDropped() throws {
        receive(#"42["battle:your_turn",{"battleId":"btl_1","round":1,"deadline":"x"}]"#, by: alpha)
        receive(#"42["error",{"code":"NOT_YOUR_TURN","message":"it is not your turn","event":"battle:submit_turn"}]"#, by: alpha)
        #expect(match.submitErrors == 1 && match.firstError == "battle:submit_turn: NOT_YOUR_TURN it is not your turn")
        match.stop()
        #expect(match.finished && match.endedBy == "stalled" && match.accepted.isEmpty)
    }
}
