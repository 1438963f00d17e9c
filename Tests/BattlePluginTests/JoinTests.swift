import BattlePlugin
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

@Suite struct JoinTests {
    @Test func agentJoinsItsBattleAndGetsTheSnapshot() async throws {
        let f = try await BattleFixture.start()
        let alpha = try await f.connect(f.alpha)
        let ack = try await f.join(alpha, f.publicBattle)
        #expect(ack["ok"] == true)
        #expect(ack["role"] == "agent")
        let connected = try await alpha.expect("battle:connected")
        let snapshot = try #require(connected["battle"])
        #expect(snapshot["id"] == .string(f.publicBattle.id))
        #expect(snapshot["status"] == "LOBBY")
        #expect(snapshot["seq"] == 0)
        #expect(snapshot["round"] == 0)
        #expect(snapshot["participants"] == [["id": .string(f.alpha.id), "name": "alpha"], ["id": .string(f.beta.id), "name": "beta"]])
        #expect(snapshot["turns"] == [])
        #expect(snapshot["votes"] == .object([]))
        #expect(snapshot["results"] == .null)
    }

    @Test func agentOutsideTheBattleIsNotParticipantUnlessItWatches() async throws {
        let f = try await BattleFixture.start()
        let outsider = try await f.connect(f.outsider)
        #expect(try await f.join(outsider, f.publicBattle)["error"]?["code"] == "NOT_PARTICIPANT")
        #expect(try await outsider.expect("error")["code"] == "NOT_PARTICIPANT")
        let watching = try await f.join(outsider, f.publicBattle, role: "spectator")
        #expect(watching["role"] == "spectator")
        #expect(try await f.join(outsider, f.privateBattle, role: "spectator")["error"]?["code"] == "PRIVATE_BATTLE")
    }

    @Test func spectatorsWatchPublicBattlesOnly() async throws {
        let f = try await BattleFixture.start()
        let spectator = try await f.connect(nil)
        #expect(try await f.join(spectator, f.publicBattle)["role"] == "spectator")
        #expect(try await f.join(spectator, f.privateBattle)["error"]?["code"] == "PRIVATE_BATTLE")
    }

    @Test func participantsJoinTheirPrivateBattle() async throws {
        let f = try await BattleFixture.start()
        let beta = try await f.connect(f.beta)
        #expect(try await f.join(beta, f.privateBattle)["role"] == "agent")
    }

    @Test(arguments: [
        (JSONValue.object(["battleId": "nope"]), "BATTLE_NOT_FOUND"),
        (.object([:]), "INVALID_PAYLOAD"),
        (.object(["battleId": ""]), "INVALID_PAYLOAD"),
        (.object(["battleId": 12]), "INVALID_PAYLOAD"),
        (.object(["battleId": "x", "role": "admin"]), "INVALID_PAYLOAD"),
        (.object(["battleId": "x", "sinceSeq": -1]), "INVALID_PAYLOAD"),
        (.object(["battleId": .string(String(repeating: "b", count: 65))]), "INVALID_PAYLOAD"),
    ])
    func badJoinsGetTheirCodes(payload: JSONValue, code: String) async throws {
        let f = try await BattleFixture.start()
        let spectator = try await f.connect(nil)
        #expect(try await spectator.emit("battle:join", payload)["error"]?["code"] == .string(code))
    }

    @Test(arguments: [JSONValue.double(1.5), .double(1e30), .string("3")])
    func aBadSinceSeqIsRefusedNamingTheField(sinceSeq: JSONValue) async throws {
        let f = try await BattleFixture.start()
        let spectator = try await f.connect(nil)
        let ack = try await spectator.emit("battle:join", ["battleId": .string(f.publicBattle.id), "sinceSeq": sinceSeq])
        #expect(ack["error"]?["code"] == "INVALID_PAYLOAD")
        #expect(ack["error"]?["message"]?.stringValue?.contains("sinceSeq") == true)
    }

    @Test func joiningTwiceIsHarmless() async throws {
        let f = try await BattleFixture.start()
        let watcher = try await f.connect(nil)
        _ = try await f.join(watcher, f.publicBattle)
        let alpha = try await f.connect(f.alpha)
        _ = try await f.join(alpha, f.publicBattle)
        _ = try await f.join(alpha, f.publicBattle)
        _ = try await watcher.expect("battle:participant_joined")
        // A leave within a presence interval of the join would be announced only as the net change.
        await f.arena.advanceClock(by: .seconds(1))
        // A sentinel through the room: a second announcement would arrive before it.
        _ = try await alpha.emit("battle:leave", ["battleId": .string(f.publicBattle.id)])
        _ = try await watcher.expect("battle:participant_left")
        #expect(!watcher.bufferedEventNames.contains("battle:participant_joined"))
    }

    @Test func agentsJoinsAndLeavesAreAnnouncedToOthers() async throws {
        let f = try await BattleFixture.start()
        let watcher = try await f.connect(nil)
        _ = try await f.join(watcher, f.publicBattle)
        let alpha = try await f.connect(f.alpha)
        _ = try await f.join(alpha, f.publicBattle)
        let beta = try await f.connect(f.beta)
        _ = try await f.join(beta, f.publicBattle)
        #expect(try await watcher.expect("battle:participant_joined")["agentId"] == .string(f.alpha.id))
        let seenByAlpha = try await alpha.expect("battle:participant_joined")
        #expect(seenByAlpha == ["battleId": .string(f.publicBattle.id), "role": "agent", "agentId": .string(f.beta.id), "name": "beta"])
        #expect(!beta.bufferedEventNames.contains("battle:participant_joined"))

        // A leave within a presence interval of the join would be announced only as the net change.
        await f.arena.advanceClock(by: .seconds(1))
        #expect(try await beta.emit("battle:leave", ["battleId": .string(f.publicBattle.id)])["ok"] == true)
        #expect(try await alpha.expect("battle:participant_left")["agentId"] == .string(f.beta.id))
        #expect(try await beta.emit("battle:leave", ["battleId": .string(f.publicBattle.id)])["error"]?["code"] == "NOT_IN_BATTLE")
    }

    @Test func aDisconnectedClientLeavesItsRooms() async throws {
        let f = try await BattleFixture.start()
        let alpha = try await f.connect(f.alpha)
        _ = try await f.join(alpha, f.publicBattle)
        let beta = try await f.connect(f.beta)
        _ = try await f.join(beta, f.publicBattle)
        // A leave within a presence interval of the join would be announced only as the net change.
        await f.arena.advanceClock(by: .seconds(1))
        beta.disconnect()
        #expect(try await alpha.expect("battle:participant_left")["agentId"] == .string(f.beta.id))
        #expect(try await f.battles.presentAgents(f.publicBattle.id) == [f.alpha.id])
        #expect(await f.arena.runtime.services.rooms.count(in: BattleRoom.battle(f.publicBattle.id)) == 1)
    }

    @Test func anAgentWithTwoConnectionsIsAnnouncedOnceAndLeavesWithItsLast() async throws {
        let f = try await BattleFixture.start()
        let watcher = try await f.connect(nil)
        _ = try await f.join(watcher, f.publicBattle)
        let first = try await f.connect(f.alpha)
        let second = try await f.connect(f.alpha)
        _ = try await f.join(first, f.publicBattle)
        _ = try await f.join(second, f.publicBattle)
        _ = try await watcher.expect("battle:participant_joined")
        // Leaving is acknowledged after any announcement was sent, and the watcher's own round trip
        // through the room comes after that: an announcement would be buffered by then.
        _ = try await first.emit("battle:leave", ["battleId": .string(f.publicBattle.id)])
        _ = try await f.join(watcher, f.publicBattle)
        #expect(!watcher.bufferedEventNames.contains("battle:participant_left"))
        // A leave within a presence interval of the join would be announced only as the net change.
        await f.arena.advanceClock(by: .seconds(1))
        second.disconnect()
        #expect(try await watcher.expect("battle:participant_left")["agentId"] == .string(f.alpha.id))
    }

    @Test func everyParticipantPresentPublishesBattleReady() async throws {
        let f = try await BattleFixture.start()
        let (ready, continuation) = AsyncStream<String>.makeStream()
        f.arena.runtime.bus.subscribe(BattleReady.self) { continuation.yield($0.battleId) }
        let alpha = try await f.connect(f.alpha)
        _ = try await f.join(alpha, f.publicBattle)
        let beta = try await f.connect(f.beta)
        _ = try await f.join(beta, f.publicBattle)
        var iterator = ready.makeAsyncIterator()
        #expect(await iterator.next() == f.publicBattle.id)
    }

    @Test func joinsAreLimitedPerConnectionNotPerAddress() async throws {
        let f = try await BattleFixture.start("[connection]\n[battle]\njoins_per_10_seconds = 2\n[logwriter]\n")
        let flooder = try await f.connect(nil)
        #expect(try await f.join(flooder, f.publicBattle)["ok"] == true)
        #expect(try await f.join(flooder, f.publicBattle)["ok"] == true)
        let refused = try await f.join(flooder, f.publicBattle)
        #expect(refused["error"]?["code"] == "RATE_LIMITED", "\(refused)")
        // Every other spectator of the same address still joins: more of them than an
        // identity's budget (4 times the connection's) would let through.
        for _ in 0..<12 {
            let spectator = try await f.connect(nil)
            #expect(try await f.join(spectator, f.publicBattle)["ok"] == true)
        }
        // Ten seconds later the flooder's budget is back.
        await f.arena.advanceClock(by: .seconds(10))
        #expect(try await f.join(flooder, f.publicBattle)["ok"] == true)
    }
}

/// A battle in LOBBY is an invitation that expires.
@Suite struct LobbyExpiryTests {
    @Test func aBattleItsAgentsNeverAllJoinedIsCancelledWhenItsInvitationExpires() async throws {
        let f = try await BattleFixture.start("[connection]\n[battle]\nlobby_timeout_seconds = 120\n[logwriter]\n")
        let alpha = try await f.connect(f.alpha)
        #expect(try await f.join(alpha, f.publicBattle)["ok"] == true)
        await f.arena.advanceClock(by: .seconds(60))  // the first look: not old enough yet
        await f.arena.runtime.services.jobs.idle()
        #expect(try f.battles.battle(f.publicBattle.id)?.status == .lobby)
        await f.arena.advanceClock(by: .seconds(60))
        await f.arena.runtime.services.jobs.idle()
        let state = try await alpha.expect("battle:state")
        #expect(state["status"] == "CANCELLED")
        #expect(try f.battles.battle(f.publicBattle.id)?.status == .cancelled)
        #expect(try f.battles.battle(f.privateBattle.id)?.status == .cancelled, "every expired invitation")
        // The opponent coming late starts nothing.
        let beta = try await f.connect(f.beta)
        let late = try await f.join(beta, f.publicBattle)
        #expect(late["battle"]?["status"] == "CANCELLED")
        #expect(try f.battles.battle(f.publicBattle.id)?.status == .cancelled)
    }

    @Test func aBattleThatStartedIsNotCancelled() async throws {
        let f = try await BattleFixture.start("[connection]\n[battle]\nlobby_timeout_seconds = 60\n[logwriter]\n")
        _ = try await f.battles.owners.run(f.publicBattle.id) { owner in try owner.setStatus(.inProgress, round: 1) }
        await f.arena.advanceClock(by: .seconds(120))
        await f.arena.runtime.services.jobs.idle()
        #expect(try f.battles.battle(f.publicBattle.id)?.status == .inProgress)
        #expect(try f.battles.battle(f.privateBattle.id)?.status == .cancelled)
    }
}
