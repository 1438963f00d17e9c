import Runtime
import SocketIOProtocol
import Testing
@testable import BenchPlugin

@Suite struct BenchOKEncodingTests {
    @Test func replyEncodesAsFoundationDid() throws {
        for reply in [BenchOK(battleId: "b1"), BenchOK(battleId: "«b/1» \"é\"")] {
            #expect(try ArenaJSON.encode(reply) == ArenaJSON.foundationEncode(reply))
        }
    }

    /// The relayed turn is the argument as it was parsed: members in the sender's order.
    @Test func turnPayloadKeepsTheSendersOrder() throws {
        let argument = try JSONParser.parse(#"{"z":1,"battleId":"b1","a":[1.5,{"y":null,"x":2}]}"#)
        let turn = try ArenaJSON.decode(BenchTurn.self, from: argument)
        #expect(JSONWriter.string(turn.payload) == #"{"z":1,"battleId":"b1","a":[1.5,{"y":null,"x":2}]}"#)
    }
}
