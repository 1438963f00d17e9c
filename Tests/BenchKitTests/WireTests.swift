@testable import BenchKit
import NIOCore
import Testing

@Suite struct WireTests {
    @Test func turnPayloadHasTheTargetSizeAndReadsBack() {
        let payload = TurnPayload(battleId: "bench", targetBytes: 200)
        var message: [UInt8] = []
        for (seq, ts) in [(UInt64(0), UInt64(1)), (42, 123_456_789_012), (9_999_999, UInt64.max / 2)] {
            payload.writeMessage(seq: seq, ts: ts, into: &message)
            let text = String(decoding: message, as: UTF8.self)
            #expect(text.hasPrefix(#"42["battle:turn",{"battleId":"bench","seq":\#(seq),"ts":\#(ts),"pad":"x"#))
            #expect(message.count - #"42["battle:turn",]"#.utf8.count == 200)
            let read = message.withUnsafeBytes { TurnPayload.read($0) }
            #expect(read?.seq == seq && read?.ts == ts)
        }
    }

    @Test func readsFieldsInAnyOrderAndSpacing() {
        let text = Array(#"42["battle:turn",{"ts": 77, "battleId":"b","pad":"\"seq\"","seq":5}]"#.utf8)
        let read = text.withUnsafeBytes { TurnPayload.read($0) }
        #expect(read?.seq == 5 && read?.ts == 77)
    }

    @Test func ignoresOtherEvents() {
        for text in [#"42["bench:ok",{"battleId":"b","seq":1,"ts":2}]"#, #"42["battle:turn",{"battleId":"b"}]"#, "3"] {
            #expect(Array(text.utf8).withUnsafeBytes { TurnPayload.read($0) } == nil)
        }
    }

    @Test func clientFramesAreMaskedText() {
        for size in [1, 125, 126, 300, 70_000] {
            let payload = [UInt8](repeating: UInt8(ascii: "a"), count: size)
            var frame = ClientFrame.text(payload)
            #expect(frame.readInteger(as: UInt8.self) == 0x81)
            let lengthByte = frame.readInteger(as: UInt8.self)!
            #expect(lengthByte & 0x80 != 0)
            var length = Int(lengthByte & 0x7F)
            if length == 126 {
                length = Int(frame.readInteger(as: UInt16.self)!)
            } else if length == 127 {
                length = Int(frame.readInteger(as: UInt64.self)!)
            }
            #expect(length == size)
            let key = frame.readBytes(length: 4)!
            let masked = frame.readBytes(length: length)!
            #expect(masked.enumerated().map { $0.element ^ key[$0.offset & 3] } == payload)
            #expect(frame.readableBytes == 0)
        }
    }

    @Test func serverFramesParseWhenComplete() throws {
        var bytes: [UInt8] = [0x81, 0x03] + Array("42x".utf8) + [0x81, 126, 0x01, 0x00] + [UInt8](repeating: 1, count: 256)
        try bytes.withUnsafeBytes { raw in
            let first = try #require(try ServerFrame.parse(raw, at: 0))
            #expect(first == ServerFrame(fin: true, opcode: 1, payload: 2..<5, end: 5))
            let second = try #require(try ServerFrame.parse(raw, at: 5))
            #expect(second.payload == 9..<265 && second.end == raw.count)
        }
        bytes.removeLast()
        let incomplete = try bytes.withUnsafeBytes { raw throws in try ServerFrame.parse(raw, at: 5) }
        #expect(incomplete == nil)
        let oneByte = try [UInt8]([0x81]).withUnsafeBytes { raw throws in try ServerFrame.parse(raw, at: 0) }
        #expect(oneByte == nil)
        let masked = [UInt8]([0x81, 0x81, 0, 0, 0, 0, 0]).withUnsafeBytes { raw in
            Result { () throws(ServerFrame.ParseError) in try ServerFrame.parse(raw, at: 0) }
        }
        #expect(throws: ServerFrame.ParseError.masked) { try masked.get() }
    }

    @Test func broadcastCompletesWithItsLastReceiver() {
        let ring = CompletionRing(capacity: 4)
        #expect(ring.arm(seq: 1, receivers: 3))
        #expect(!ring.arrive(seq: 1))
        #expect(!ring.arrive(seq: 2))  // not armed
        #expect(!ring.arrive(seq: 1))
        #expect(ring.arrive(seq: 1))
        #expect(!ring.arrive(seq: 1))  // a duplicate after completion
        #expect(ring.arm(seq: 5, receivers: 1))  // same slot, the previous one was complete
        #expect(!ring.arm(seq: 9, receivers: 1))  // same slot, 5 never arrived
    }

    @Test func readsVmRSS() {
        #expect(ProcessMemory.parseVmRSS("Name:\tx\nVmPeak:\t  100 kB\nVmRSS:\t   5432 kB\n") == 5432)
        #expect(ProcessMemory.parseVmRSS("Name:\tx\n") == nil)
    }
}
