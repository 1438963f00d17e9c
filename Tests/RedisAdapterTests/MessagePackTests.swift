import MessagePack
import Testing

@Suite struct MessagePackTests {
    @Test(arguments: [
        MessagePackValue.nil, .bool(true), .bool(false), .int(0), .int(127), .int(128), .int(-1), .int(-32), .int(-33), .int(-129),
        .int(65_535), .int(65_536), .int(-40_000), .int(Int64.max), .int(Int64.min), .uint(UInt64.max), .double(0.5), .double(-1e300),
        .string(""), .string("héllo ✓"), .string(String(repeating: "x", count: 40)), .string(String(repeating: "y", count: 70_000)),
        .binary([0, 1, 255]), .array([]), .array((0..<20).map { .int($0) }), .map([]),
        .map([(.string("a"), .int(1)), (.string("b"), .array([.nil]))]), .ext(type: 0, data: [0]), .ext(type: -1, data: [1, 2, 3, 4]),
        .ext(type: 5, data: Array(repeating: 7, count: 300)),
    ])
    func everyValueRoundTrips(value: MessagePackValue) throws {
        #expect(try MessagePackReader.decode(MessagePackWriter.encode(value)) == value)
    }

    @Test func integersTakeTheirSmallestFormAndDoublesAreAlwaysFloat64() {
        #expect(MessagePackWriter.encode(.int(7)) == [0x07])
        #expect(MessagePackWriter.encode(.int(-5)) == [0xfb])
        #expect(MessagePackWriter.encode(.int(200)) == [0xcc, 200])
        #expect(MessagePackWriter.encode(.int(-200)) == [0xd1, 0xff, 0x38])
        #expect(MessagePackWriter.encode(.double(1.5)) == [0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0])
        #expect(MessagePackWriter.encode(.undefined) == [0xd4, 0x00, 0x00])
    }

    @Test func float32AndNotepackUndefinedAreRead() throws {
        #expect(try MessagePackReader.decode([0xca, 0x3f, 0xc0, 0, 0]) == .double(1.5))
        #expect(try MessagePackReader.decode([0xd4, 0x00, 0x00]) == .undefined)
    }

    @Test(arguments: [
        ([UInt8]([0x92, 0x01]), MessagePackError.truncated), ([0xa5, 0x61], .truncated), ([0xc1], .invalidByte(0xc1)),
        ([0x01, 0x02], .trailingBytes(1)), ([0xa2, 0xff, 0xfe], .invalidUTF8), ([0xdd, 0xff, 0xff, 0xff, 0xff], .truncated),
        (Array(repeating: 0x91, count: 100) + [0x00], .tooDeep),
    ])
    func malformedInputIsRefusedWithItsReason(bytes: [UInt8], error: MessagePackError) {
        #expect(throws: error) { try MessagePackReader.decode(bytes) }
    }
}
