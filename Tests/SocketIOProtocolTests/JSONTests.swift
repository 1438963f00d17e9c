import Testing
@testable import SocketIOProtocol

@Suite struct JSONTests {
    @Test(arguments: [
        #"{"3":[true]}"#, #"[1,"2",{"3":[false]}]"#, #"null"#, #"-12"#, #"1.5"#, #"1e+21"#,
        #"{"b":1,"a":2}"#, #""line\nbreak \"quoted\" \\ tab\t""#, #"[]"#, #"{}"#, #""\u0001""#,
    ])
    func roundTripsByteForByte(text: String) throws {
        let value = try JSONParser.parse(text)
        #expect(JSONWriter.string(value) == text)
    }

    @Test func keepsMemberOrder() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":2,"m":3}"#)
        guard case .object(let members) = value else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["z", "a", "m"])
    }

    @Test func distinguishesIntegersFromDoubles() throws {
        #expect(try JSONParser.parse("1") == .int(1))
        #expect(try JSONParser.parse("1.0") == .double(1))
        #expect(JSONWriter.string(.double(1)) == "1")
        #expect(JSONWriter.string(.double(.nan)) == "null")
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try JSONParser.parse(#""\u00e9\ud83d\ude00\/""#) == .string("é😀/"))
        #expect(try JSONParser.parse(#""\ud800x""#) == .string("\u{FFFD}x"))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\"}", "{\"a\":}", "tru", "01", "1.", "-", "\"abc", "[1 2]", "{}x",
        "\"\u{01}\"", "\"\\x\"", "\"\\u12\"", "{'a':1}", "NaN",
    ])
    func rejectsMalformedInput(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsNestingBeyondTheLimitWithoutCrashing() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try JSONParser.parse(fine) }
    }

    /// Found by fuzz-json (fuzz/): an object with a repeated key was not equal to itself, so a
    /// value could change in a round trip through the writer, and two equal objects could hash
    /// apart. The first of a repeated key counts, as in `subscript(key:)` and the decoder.
    @Test func anObjectWithARepeatedKeyEqualsItselfAndItsRoundTrip() throws {
        let value = try JSONParser.parse(#"{"a":{"b":[{"c":[[]]}]},"a":1}"#)
        #expect(value == value)
        #expect(try JSONParser.parse(JSONWriter.string(value)) == value)
        #expect(value["a"] == .object(["b": [.object(["c": [[]]])]]))
        let firstCounts = try JSONParser.parse(#"{"a":{"b":[{"c":[[]]}]}}"#)
        #expect(value == firstCounts)
        #expect(value.hashValue == firstCounts.hashValue)
        #expect(value != (try JSONParser.parse(#"{"a":1}"#)))
        #expect(try JSONParser.parse(#"{"a":1,"b":2}"#) != (try JSONParser.parse(#"{"a":1,"a":2}"#)))
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }
}
