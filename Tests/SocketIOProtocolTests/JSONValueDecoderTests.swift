import Foundation
import Testing
@testable import SocketIOProtocol

/// `JSONValueDecoder` against Foundation's `JSONDecoder` run on the same text: same values, same
/// errors (case, expected type, coding path), except where numbers are deliberately stricter.
@Suite struct JSONValueDecoderTests {
    struct Inner: Codable, Equatable {
        var x: Int
        var label: String?
    }

    enum Mode: String, Codable, Equatable { case fast, slow }

    struct Payload: Codable, Equatable {
        var id: String
        var count: Int
        var ratio: Double
        var flag: Bool
        var small: Int8
        var big: UInt64
        var mode: Mode
        var note: String?
        var inner: Inner
        var list: [Inner]
        var matrix: [[Int]]
        var tags: [String: Int]
        var optionalInner: Inner?
    }

    static let sample = Payload(
        id: "b-1 \"é😀\"\n/", count: -42, ratio: 0.25, flag: true, small: -128, big: UInt64(Int64.max), mode: .slow,
        note: nil, inner: Inner(x: 1, label: "one"), list: [Inner(x: 2, label: nil), Inner(x: 3, label: "")],
        matrix: [[], [1, 2]], tags: ["a": 1, "B": 2, "ü": 3], optionalInner: Inner(x: 4, label: nil)
    )

    /// What decoding came to, in a form two decoders can be compared on.
    enum Outcome: Equatable, CustomStringConvertible {
        case value(String)
        case error(kind: String, type: String, path: String)

        init<T>(_ body: () throws -> T) {
            do {
                self = .value(String(describing: try body()))
            } catch let error as DecodingError {
                self = Self.shape(error)
            } catch {
                self = .error(kind: "other", type: "\(error)", path: "")
            }
        }

        static func shape(_ error: DecodingError) -> Outcome {
            func path(_ keys: [any CodingKey]) -> String {
                keys.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }.joined(separator: ".")
            }
            switch error {
            case .keyNotFound(let key, let context): return .error(kind: "keyNotFound", type: "", path: path(context.codingPath + [key]))
            case .typeMismatch(let type, let context): return .error(kind: "typeMismatch", type: "\(type)", path: path(context.codingPath))
            case .valueNotFound(let type, let context): return .error(kind: "valueNotFound", type: "\(type)", path: path(context.codingPath))
            case .dataCorrupted(let context): return .error(kind: "dataCorrupted", type: "", path: path(context.codingPath))
            @unknown default: return .error(kind: "unknown", type: "", path: "")
            }
        }

        var description: String {
            switch self {
            case .value(let value): "value \(value)"
            case .error(let kind, let type, let path): "\(kind)(\(type)) at '\(path)'"
            }
        }
    }

    static func ours<T: Decodable>(_ type: T.Type, _ text: String) -> Outcome {
        Outcome { try JSONValueDecoder().decode(T.self, from: JSONParser.parse(text)) }
    }

    static func foundation<T: Decodable>(_ type: T.Type, _ text: String) -> Outcome {
        Outcome { try JSONDecoder().decode(T.self, from: Data(text.utf8)) }
    }

    /// One JSON text and the type to read it as.
    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let compare: @Sendable () -> (ours: Outcome, foundation: Outcome)
        var testDescription: String { text }

        init<T: Decodable & SendableMetatype>(_ type: T.Type, _ text: String) {
            self.text = "\(T.self) ← \(text)"
            compare = { (JSONValueDecoderTests.ours(T.self, text), JSONValueDecoderTests.foundation(T.self, text)) }
        }
    }

    static let validMembers: KeyValuePairs<String, String> = [
        "id": #""b""#, "count": "1", "ratio": "1", "flag": "false", "small": "0", "big": "0", "mode": #""fast""#,
        "inner": #"{"x":1}"#, "list": "[]", "matrix": "[]", "tags": "{}",
    ]

    static var valid: String { with([:]) }

    /// The text of a valid `Payload`, with members replaced or added as written (`1e2` stays `1e2`).
    static func with(_ changes: KeyValuePairs<String, String>) -> String {
        var members = validMembers.map { ($0.key, $0.value) }
        for (key, text) in changes {
            if let i = members.firstIndex(where: { $0.0 == key }) { members[i].1 = text } else { members.append((key, text)) }
        }
        return "{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    static let sameAsFoundation: [Case] = [
        Case(Payload.self, valid),
        Case(Payload.self, with(["note": #"null"#, "optionalInner": #"null"#])),
        Case(Payload.self, with(["note": #""n""#, "optionalInner": #"{"x":5,"label":null}"#])),
        Case(Payload.self, "{}"),
        Case(Payload.self, "[]"),
        Case(Payload.self, "null"),
        Case(Payload.self, "7"),
        Case(Payload.self, with(["id": #"5"#])),
        Case(Payload.self, with(["count": #"null"#])),
        Case(Payload.self, with(["count": #""1""#])),
        Case(Payload.self, with(["count": #"true"#])),
        Case(Payload.self, with(["count": #"1.0"#])),
        Case(Payload.self, with(["count": #"1e2"#])),
        Case(Payload.self, with(["ratio": #""0.5""#])),
        Case(Payload.self, with(["ratio": #"3"#])),
        Case(Payload.self, with(["flag": #"1"#])),
        Case(Payload.self, with(["flag": #"null"#])),
        Case(Payload.self, with(["mode": #""medium""#])),
        Case(Payload.self, with(["mode": #"1"#])),
        Case(Payload.self, with(["mode": #"null"#])),
        Case(Payload.self, with(["note": #"5"#])),
        Case(Payload.self, with(["inner": #"{}"#])),
        Case(Payload.self, with(["inner": #"3"#])),
        Case(Payload.self, with(["inner": #"null"#])),
        Case(Payload.self, with(["inner": #"{"x":"s"}"#])),
        Case(Payload.self, with(["inner": #"{"x":1,"label":[]}"#])),
        Case(Payload.self, with(["list": #"[{"x":1},{"x":"2"}]"#])),
        Case(Payload.self, with(["list": #"[{"x":1},null]"#])),
        Case(Payload.self, with(["list": #"{}"#])),
        Case(Payload.self, with(["matrix": #"[[1],[2,"x"]]"#])),
        Case(Payload.self, with(["matrix": #"[[1],null]"#])),
        Case(Payload.self, with(["tags": #"{"k":"s"}"#])),
        Case(Payload.self, with(["tags": #"{"k":null}"#])),
        Case(Payload.self, with(["tags": #"[]"#])),
        Case(Payload.self, with(["optionalInner": #"{"label":"no x"}"#])),
        Case(Payload.self, with(["optionalInner": #""no object""#])),
        Case(Int.self, #""x""#),
        Case(String.self, "1"),
        Case(Bool.self, "null"),
        Case(Int64.self, "-9223372036854775808"),
        Case(Int64.self, "9223372036854775807"),
        Case(UInt.self, "-0"),
        Case(Int.self, "-0.0"),
        Case(Double.self, "-12"),
        Case(Float.self, "0.1"),
        Case([Int].self, "[1,null]"),
        Case([Int?].self, "[1,null]"),
        Case([String: [Int]].self, #"{"a":[1],"b":{}}"#),
        Case([Int: String].self, #"{"-2":"b"}"#),
        Case([Int: String].self, #"{"x":"a"}"#),
        Case([Int: String].self, #"{"1.0":"a"}"#),
        Case([Color: Int].self, #"{"red":1}"#),
        Case([Color: Int].self, #"{"green":1}"#),
        Case([Flag: Int].self, #"[true,1]"#),
        Case([Flag: Int].self, #"{"true":1}"#),
        Case(Inner.self, #"{"x":1,"x":2}"#),
        Case(TwoInts.self, "[1]"),
        Case(TwoInts.self, "[1,null]"),
        Case(TwoInts.self, "[1,2]"),
        Case(SingleInt.self, "null"),
        Case([SingleInt].self, #"[1,"s"]"#),
        Case(NestedKeyed.self, "{}"),
        Case(NestedKeyed.self, #"{"n":null}"#),
        Case(NestedKeyed.self, #"{"n":1}"#),
        Case(NestedKeyed.self, #"{"n":{}}"#),
        Case(NestedKeyed.self, #"{"n":{"z":4}}"#),
        Case(NestedUnkeyed.self, "[]"),
        Case(NestedUnkeyed.self, "[null]"),
        Case(NestedUnkeyed.self, "[1]"),
        Case(NestedUnkeyed.self, "[[]]"),
        Case(NestedUnkeyed.self, "[[7]]"),
        Case(KeyedSuper.self, "{}"),
        Case(KeyedSuper.self, #"{"super":"x"}"#),
        Case(KeyedSuper.self, #"{"super":3}"#),
        Case(KeyedSuperForKey.self, #"{"k":[1,"x"]}"#),
        Case(KeyedSuperForKey.self, "{}"),
        Case(UnkeyedSuper.self, #"["x"]"#),
        Case(UnkeyedSuper.self, "[]"),
        Case(UnkeyedSuper.self, "[5]"),
        Case(NilThenString.self, "[1,null,2]"),
        Case(NilThenString.self, #"[1,5,"s"]"#),
        Case(NilForKey.self, "{}"),
        Case(NilForKey.self, #"{"x":null}"#),
        Case(NilForKey.self, #"{"x":1}"#),
        Case(Data.self, #""AQI=""#),
        Case(Data.self, #""!!""#),
        Case(Data.self, "[1,2]"),
        Case(URL.self, #""http://example.com/a?b""#),
        Case([URL].self, #"[""]"#),
        Case(Decimal.self, "1.5"),
        Case(Date.self, "5"),
        Case(Date.self, "null"),
        Case(Data.self, "null"),
        Case(URL.self, "null"),
        Case(Decimal.self, "null"),
        Case(Decimal.self, #""1""#),
        Case([Bool].self, "[null]"),
        Case(Number<Bool>.self, #"{"v":null}"#),
        Case(Number<String>.self, #"{"v":null}"#),
        Case(Number<Date>.self, #"{"v":"1"}"#),
        Case(Number<[UInt8]>.self, #"{"v":null}"#),
    ]

    @Test(arguments: sameAsFoundation)
    func decodesAsFoundationDoes(_ testCase: Case) {
        let (ours, foundation) = testCase.compare()
        #expect(ours == foundation)
    }

    @Test func roundTripsThroughEitherEncoder() throws {
        let foundation = JSONEncoder()
        let viaFoundation = try JSONParser.parse(Array(try foundation.encode(Self.sample)))
        #expect(try JSONValueDecoder().decode(Payload.self, from: viaFoundation) == Self.sample)
        let viaCompact = try JSONParser.parse(try CompactJSONEncoder().encode(Self.sample))
        #expect(try JSONValueDecoder().decode(Payload.self, from: viaCompact) == Self.sample)
    }

    @Test func optionalsAbsentAndNullAreBothNil() throws {
        let absent = try JSONValueDecoder().decode(Inner.self, from: ["x": 1])
        let null = try JSONValueDecoder().decode(Inner.self, from: ["x": 1, "label": nil])
        #expect(absent == Inner(x: 1, label: nil))
        #expect(null == Inner(x: 1, label: nil))
        #expect(try JSONValueDecoder().decode(Int?.self, from: nil) == nil)
    }

    @Test func decodesUnicodeStrings() throws {
        let text = #""e\u0301 é 😀 \ud83d\ude00 \u0000 \" \\ / \u2028 中文""#
        let decoded = try JSONValueDecoder().decode(String.self, from: JSONParser.parse(text))
        #expect(decoded == "e\u{301} é 😀 😀 \u{0} \" \\ / \u{2028} 中文")
        #expect(Self.ours(String.self, text) == Self.foundation(String.self, text))
    }

    @Test func keysMatchAsSwiftStringsDo() throws {
        let decomposed = JSONValue.object([JSONMember("e\u{301}", 1)])
        #expect(try JSONValueDecoder().decode([String: Int].self, from: decomposed) == ["é": 1])
        struct Accent: Decodable { var é: Int }
        #expect(try JSONValueDecoder().decode(Accent.self, from: decomposed).é == 1)
    }

    @Test func largeObjectsAreReadThroughAnIndexWithTheSameResults() throws {
        var members = (0..<100).map { JSONMember("k\($0)", .int(Int64($0))) }
        members.append(JSONMember("k7", 700))
        let decoded = try JSONValueDecoder().decode([String: Int].self, from: .object(members))
        #expect(decoded.count == 100)
        #expect(decoded["k7"] == 7)
        #expect(decoded["k99"] == 99)
    }

    @Test func allKeysAreEachKeyOnceInTheObjectsOrder() throws {
        let keys = try JSONValueDecoder().decode(KeyLister.self, from: JSONParser.parse(#"{"z":1,"a":2,"z":3,"m":4}"#))
        #expect(keys.keys == ["z", "a", "m"])
    }

    @Test func jsonValueMembersArriveAsTheyAre() throws {
        struct Wrapper: Decodable { var payload: JSONValue }
        let value = try JSONParser.parse(#"{"payload":{"z":1,"a":1.0,"z":2}}"#)
        let payload = try JSONValueDecoder().decode(Wrapper.self, from: value).payload
        guard case .object(let members) = payload else { Issue.record("not an object"); return }
        #expect(members.map(\.key) == ["z", "a", "z"])
        guard case .double(1) = members[1].value else { Issue.record("1.0 came back as \(members[1].value)"); return }
        let attached = JSONValue.object(["payload": .binary([1, 2])])
        #expect(try JSONValueDecoder().decode(Wrapper.self, from: attached).payload == .binary([1, 2]))
    }

    @Test func keyedAndUnkeyedContainersReportTheirPaths() throws {
        let value: JSONValue = ["a": [["b": [1, 2]]]]
        let probe = try JSONValueDecoder().decode(PathProbe.self, from: value)
        #expect(probe.paths == ["", "a", "a.[0]", "a.[0].b", "a.[0].b.[1]"])
    }
}

// MARK: Numbers

extension JSONValueDecoderTests {
    struct Number<T: Decodable & Sendable>: Decodable, Sendable { var v: T }

    @Test func integersAtTheEdgesOfTheirTypes() throws {
        let decoder = JSONValueDecoder()
        #expect(try decoder.decode(Int64.self, from: .int(.max)) == .max)
        #expect(try decoder.decode(Int64.self, from: .int(.min)) == .min)
        #expect(try decoder.decode(UInt64.self, from: .int(.max)) == UInt64(Int64.max))
        #expect(try decoder.decode(Int8.self, from: -128) == -128)
        #expect(try decoder.decode(UInt8.self, from: 255) == 255)
        #expect(try decoder.decode(Int.self, from: .double(9_007_199_254_740_991)) == 9_007_199_254_740_991)
        #expect(try decoder.decode(Int128.self, from: .int(.min)) == Int128(Int64.min))
        #expect(try decoder.decode(Double.self, from: .int(.max)) == 9.223372036854775807e18)
        #expect(try decoder.decode(Float.self, from: 3) == 3)
    }

    /// A number read into an integer type it does not fit.
    struct Misfit: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let outcome: @Sendable () -> Outcome

        init<T: Decodable & Sendable>(_ type: T.Type, _ number: String) {
            testDescription = "\(T.self) ← \(number)"
            outcome = { JSONValueDecoderTests.ours(Number<T>.self, #"{"v":\#(number)}"#) }
        }
    }

    /// Refused, never wrapped, truncated or rounded: `dataCorrupted` at the number's own path.
    /// (The last four are numbers the parser could only keep as doubles, digits already lost.)
    @Test(arguments: [
        Misfit(UInt8.self, "300"), Misfit(Int8.self, "128"), Misfit(Int16.self, "-32769"), Misfit(UInt16.self, "65536"),
        Misfit(Int32.self, "2147483648"), Misfit(UInt8.self, "-1"), Misfit(UInt.self, "-1"), Misfit(UInt64.self, "-1"),
        Misfit(Int.self, "1.5"), Misfit(UInt8.self, "0.5"), Misfit(Int.self, "1e-2"), Misfit(Int.self, "-2.5e0"),
        Misfit(Int.self, "1e20"), Misfit(Int64.self, "-1e20"), Misfit(UInt64.self, "1e20"), Misfit(Int.self, "9223372036854775808"),
        Misfit(UInt64.self, "9223372036854775808"), Misfit(UInt64.self, "18446744073709551615"),
        Misfit(Int.self, "9007199254740993.0"), Misfit(Int.self, "1e16"),
    ])
    func integersThatDoNotFitAreErrors(_ misfit: Misfit) {
        #expect(misfit.outcome() == .error(kind: "dataCorrupted", type: "", path: "v"))
    }

    @Test func oneE20IntoIntIsAnErrorNotNullOrAWrap() {
        #expect(Self.ours(Number<Int>.self, #"{"v":1e20}"#) == .error(kind: "dataCorrupted", type: "", path: "v"))
        #expect(Self.ours(Number<Int?>.self, #"{"v":1e20}"#) == .error(kind: "dataCorrupted", type: "", path: "v"))
        #expect(Self.ours([Int].self, "[0,1e20]") == .error(kind: "dataCorrupted", type: "", path: "[1]"))
        #expect(Self.ours(Int.self, "1e20") == .error(kind: "dataCorrupted", type: "", path: ""))
        #expect(Self.foundation(Int.self, "1e20") == .error(kind: "dataCorrupted", type: "", path: ""))
    }

    @Test func floatsOutOfRangeAreErrors() throws {
        #expect(Self.ours(Number<Float>.self, #"{"v":1e300}"#) == .error(kind: "dataCorrupted", type: "", path: "v"))
        #expect(Self.ours(Number<Double>.self, #"{"v":1e400}"#) == .error(kind: "dataCorrupted", type: "", path: "v"))
        #expect(try JSONValueDecoder().decode(Number<Float>.self, from: ["v": -2.5]).v == -2.5)
    }
}

// MARK: Attachments and dates

extension JSONValueDecoderTests {
    @Test func binaryDecodesAsBytesOrDataOnly() throws {
        let value = JSONValue.binary([0, 1, 255])
        #expect(try JSONValueDecoder().decode([UInt8].self, from: value) == [0, 1, 255])
        #expect(try JSONValueDecoder().decode(Data.self, from: value) == Data([0, 1, 255]))
        #expect(
            Outcome { try JSONValueDecoder().decode(String.self, from: value) }
                == .error(kind: "typeMismatch", type: "String", path: ""))
        struct Holder: Decodable { var a: [Int] }
        #expect(
            Outcome { try JSONValueDecoder().decode(Holder.self, from: ["a": value]) }
                == .error(kind: "typeMismatch", type: "Array<Any>", path: "a"))
    }

    struct Stamped: Decodable { var at: Date; var maybe: Date? }

    @Test func datesGoThroughTheParser() throws {
        let decoder = JSONValueDecoder(dateParser: { $0 == "now" ? Date(timeIntervalSince1970: 7) : nil })
        let stamped = try decoder.decode(Stamped.self, from: ["at": "now", "maybe": nil])
        #expect(stamped.at == Date(timeIntervalSince1970: 7))
        #expect(stamped.maybe == nil)
        #expect(
            Outcome { try decoder.decode(Stamped.self, from: ["at": "now", "maybe": "later"]) }
                == .error(kind: "dataCorrupted", type: "", path: "maybe"))
        #expect(Outcome { try decoder.decode(Stamped.self, from: ["at": 5]) } == .error(kind: "typeMismatch", type: "String", path: "at"))
        #expect(Outcome { try decoder.decode(Stamped.self, from: ["at": nil]) } == .error(kind: "valueNotFound", type: "Date", path: "at"))
        #expect(Outcome { try decoder.decode([Date].self, from: ["now", "then"]) } == .error(kind: "dataCorrupted", type: "", path: "[1]"))
    }

    @Test func withoutAParserDatesAreTheirOwnCodableForm() throws {
        #expect(try JSONValueDecoder().decode(Date.self, from: 5) == Date(timeIntervalSinceReferenceDate: 5))
    }
}
