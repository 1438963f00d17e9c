import Foundation
import Testing
@testable import SocketIOProtocol

/// `CompactJSONEncoder` against Foundation's `JSONEncoder` with `[.sortedKeys,
/// .withoutEscapingSlashes]`: the same bytes, or both refusing.
@Suite struct CompactJSONEncoderTests {
    static func foundation(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func compact(_ value: some Encodable) throws -> String {
        String(decoding: try CompactJSONEncoder().encode(value), as: UTF8.self)
    }

    /// Compares bytes, and reports the text of both when they differ.
    static func expectSame(_ value: some Encodable, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try foundation(value)
        let actual = try compact(value)
        #expect(actual == expected, sourceLocation: sourceLocation)
    }

    static let doubles: [Double] = [
        5, 0.25, 1e21, 1e15, 1e16, 123_456_789_012_345, -0.0, 0, 1e-7, 0.1, 1.0 / 3, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
        100, 1e20, 12_345_678_901_234_567_168, 9_007_199_254_740_992, 9_007_199_254_740_994, 4_503_599_627_370_496.5,
        -1e15, 1e-5, 0.000_012_34, 123.456, 1e-4, 3.0, -7.5, .leastNormalMagnitude, 2.5e-308,
    ]

    @Test func doublesAreSpelledAsFoundationSpellsThem() throws {
        try Self.expectSame(Self.doubles)
        for double in Self.doubles {
            try Self.expectSame(double)
            try Self.expectSame(["v": double])
        }
        #expect(try Self.compact([5.0, 0.25, 1e21, -0.0]) == "[5,0.25,1e+21,-0]")
    }

    @Test func floatsAreSpelledAsFoundationSpellsThem() throws {
        let floats: [Float] = [0.1, 5, 1e21, -0.0, .greatestFiniteMagnitude, 1e-7, 16_777_216, 1e10, 123_456.7, 0.3]
        try Self.expectSame(floats)
        for float in floats { try Self.expectSame(["v": float]) }
    }

    @Test func integersAtTheEdges() throws {
        try Self.expectSame([Int64.min, Int64.max, 0, -1])
        try Self.expectSame([UInt64.max, 0])
        try Self.expectSame(Int8.min)
        try Self.expectSame(["a": Int128.min, "b": Int128.max])
        try Self.expectSame(["a": UInt128.max])
        try Self.expectSame(Mixed())
    }

    @Test func stringsAreEscapedAsFoundationEscapesThem() throws {
        let all = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self)
        try Self.expectSame([all, "", "q\"b\\s/\n\r\t", "\u{7f}\u{80}\u{2028}\u{2029}é😀中文", "e\u{301}", "</script>"])
        try Self.expectSame("top level ✓")
    }

    @Test func keysAreSortedByTheirUTF8Bytes() throws {
        let keys = ["b", "B", "a10", "a9", "é", "z", "e", "", "_", "Z", "ä", "a", "10", "9", "Ab", "aB", "😀", "\u{FFFF}", "ﬁ", "fi"]
        try Self.expectSame(Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($0.element, $0.offset) }))
        try Self.expectSame(Keyed(keys: keys))
        let many = (0..<40).map { "key\($0 * 7 % 40)" }
        try Self.expectSame(Keyed(keys: many + many.reversed()))
    }

    @Test func aRepeatedKeyKeepsItsLastValueAndFirstSpelling() throws {
        try Self.expectSame(Keyed(keys: ["a", "b", "a"]))
        try Self.expectSame(Keyed(keys: ["f", "e\u{301}", "é", "e", "e\u{301}a", "éb"]))
        try Self.expectSame(Keyed(keys: ["K", "\u{212A}", "k"]))
        let many = (0..<30).map { "k\($0 % 20)" } + ["é", "e\u{301}"]
        try Self.expectSame(Keyed(keys: many))
        #expect(try Self.compact(Keyed(keys: ["a", "b", "a"])) == #"{"a":2,"b":1}"#)
    }

    @Test func dictionariesWithKeysThatAreNotStrings() throws {
        try Self.expectSame([1: "a", 10: "b", 2: "c", -1: "d"])
        try Self.expectSame([Color.red: 1, .blue: 2])
        try Self.expectSame([Flag(on: true): 1])
        try Self.expectSame([UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!: [1.5]])
    }

    @Test func optionalsAndEmptyValues() throws {
        try Self.expectSame(Optionals(absent: nil, explicitNull: nil))
        try Self.expectSame(Optionals(absent: 1, explicitNull: "x"))
        try Self.expectSame([Int?.none, 1])
        try Self.expectSame(Int?.none)
        try Self.expectSame([String: Int]())
        try Self.expectSame([Int]())
        try Self.expectSame([EncodesNothing()])
        try Self.expectSame(["k": EncodesNothing()])
    }

    @Test func containersUsedByHand() throws {
        try Self.expectSame(ByHand())
        try Self.expectSame(NestedTwice())
        try Self.expectSame(ValueThenNested())
        try Self.expectSame(UnkeyedSuperFirst())
        try Self.expectSame(ContainerTwice())
    }

    @Test func foundationSpecialTypes() throws {
        try Self.expectSame(Data([0, 1, 2, 250, 255]))
        try Self.expectSame([URL(string: "http://example.com/a?q=1&r=%20")!, URL(string: "relative/path", relativeTo: URL(string: "http://x/"))!])
        try Self.expectSame([Decimal(string: "1.50")!, Decimal(string: "-0.000001")!, Decimal(12_345_678_901_234_567)])
        try Self.expectSame(["at": Date(timeIntervalSinceReferenceDate: 12.5)])
    }

    @Test func jsonValuesAreWrittenAsTheirCodableFormWouldBe() throws {
        let value = try JSONParser.parse(#"{"z":[1,1.0,-0.0,1e21,"s",null,true,{}],"a":{"y":1,"x":2,"y":3},"m":[]}"#)
        try Self.expectSame(value)
        try Self.expectSame(JSONValue.object(["bytes": .binary([0, 7, 255]), "e\u{301}": 1, "é": 2]))
        let containing: JSONValue = ["nested": value, "list": [value, .null]]
        try Self.expectSame(containing)
    }

    @Test func notANumberIsRefusedAsFoundationRefusesIt() {
        for value in [Double.nan, .infinity, -.infinity] {
            for encode in [Self.foundation, Self.compact] as [(ContainsDouble) throws -> String] {
                #expect {
                    try encode(ContainsDouble(inner: .init(value: value)))
                } throws: { error in
                    guard case EncodingError.invalidValue(_, let context) = error else { return false }
                    return context.codingPath.map(\.stringValue) == ["inner", "value"]
                }
            }
        }
        #expect(throws: EncodingError.self) { try Self.compact(JSONValue.double(.nan)) }
        #expect(throws: EncodingError.self) { try Self.compact(Float.nan) }
    }

    @Test func aTopLevelValueThatEncodesNothingIsAnError() {
        #expect(throws: EncodingError.self) { try Self.foundation(EncodesNothing()) }
        #expect(throws: EncodingError.self) { try Self.compact(EncodesNothing()) }
    }

    @Test func nestingTooDeepIsAnError() throws {
        var deep = JSONValue.int(1)
        for _ in 0..<600 { deep = .array([deep]) }
        #expect(throws: EncodingError.self) { try Self.foundation(deep) }
        #expect(throws: EncodingError.self) { try Self.compact(deep) }
        var fine = JSONValue.int(1)
        for _ in 0..<500 { fine = .array([fine]) }
        try Self.expectSame(fine)
    }

    @Test func encodesDatesThroughTheFormatter() throws {
        let encoder = CompactJSONEncoder(dateFormatter: { "t\(Int($0.timeIntervalSince1970))" })
        let bytes = try encoder.encode(["b": [Date(timeIntervalSince1970: 2)], "a": [Date(timeIntervalSince1970: 1)]])
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"a":["t1"],"b":["t2"]}"#)
    }

    @Test func appendsToTheGivenBuffer() throws {
        var output = Array("42[".utf8)
        try CompactJSONEncoder().encode(["x": 1], into: &output)
        #expect(String(decoding: output, as: UTF8.self) == #"42[{"x":1}"#)
    }
}
