import Testing

@testable import BattlePlugin

/// The outbox sends a step's announcements in the order they were made, one batch per run of
/// events to the same recipients, with the lobby's last.
@Suite struct BattleOutboxTests {
    static func json(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func consecutiveEventsToTheSameRoomLeaveAsOneBatchInOrder() {
        var outbox = BattleOutbox()
        outbox.add(name: "battle:turn", json: Self.json("1"), to: ["battle:b"])
        outbox.add(name: "battle:state", json: Self.json("2"), to: ["battle:b"])
        outbox.add(name: "battle:turn_open", json: Self.json("3"), to: ["battle:b"])
        outbox.add(name: "battle:your_turn", json: Self.json("4"), to: ["agent:a"])
        let batches = outbox.take()
        #expect(batches.map(\.rooms) == [["battle:b"], ["agent:a"]])
        #expect(batches[0].events.map(\.name) == ["battle:turn", "battle:state", "battle:turn_open"])
        #expect(batches[1].events.map(\.json) == [Self.json("4")])
        #expect(outbox.isEmpty)
        #expect(outbox.take().isEmpty)
    }

    @Test func aRoomSeenAgainAfterAnotherStartsANewBatchSoNothingIsReordered() {
        var outbox = BattleOutbox()
        outbox.add(name: "a", json: Self.json("1"), to: ["battle:b"])
        outbox.add(name: "b", json: Self.json("2"), to: ["agent:a"])
        outbox.add(name: "c", json: Self.json("3"), to: ["battle:b"])
        #expect(outbox.take().map { $0.events.map(\.name) } == [["a"], ["b"], ["c"]])
    }

    @Test func differentExclusionsAreDifferentRecipients() {
        var outbox = BattleOutbox()
        outbox.add(name: "a", json: Self.json("1"), to: ["battle:b"], exceptConnections: ["c1"])
        outbox.add(name: "b", json: Self.json("2"), to: ["battle:b"])
        let batches = outbox.take()
        #expect(batches.count == 2)
        #expect(batches[0].exceptConnections == ["c1"])
    }

    @Test func eventsSentLastFollowEveryOtherAndDoNotSplitTheRoomsBatch() {
        var outbox = BattleOutbox()
        outbox.add(name: "battle:turn", json: Self.json("1"), to: ["battle:b"])
        outbox.add(name: "lobby:battle", json: Self.json("2"), to: ["lobby"], sentLast: true)
        outbox.add(name: "battle:state", json: Self.json("3"), to: ["battle:b"])
        outbox.add(name: "lobby:battle", json: Self.json("4"), to: ["lobby"], sentLast: true)
        let batches = outbox.take()
        #expect(batches.map { $0.events.map(\.name) } == [["battle:turn", "battle:state"], ["lobby:battle", "lobby:battle"]])
        #expect(batches[1].events.map(\.json) == [Self.json("2"), Self.json("4")])
    }
}
