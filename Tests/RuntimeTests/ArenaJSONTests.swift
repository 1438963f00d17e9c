import Foundation
import SocketIOProtocol
import Testing
@testable import Runtime

/// ArenaJSON's direct coders against the Foundation path they replace: the same bytes out, the
/// same client-facing messages for payloads that do not decode.
@Suite struct ArenaJSONTests {
    struct Stamped: Codable, Equatable {
        var at: Date
        var until: Date?
        var history: [Date]
        var ratio: Double
        var scores: [String: Double]
        var note: String?
        var extra: JSONValue?
    }

    static let dates = [
        Date(timeIntervalSince1970: 1_795_000_000.125), Date(timeIntervalSince1970: 1_795_000_000), Date(timeIntervalSince1970: 0),
        Date(timeIntervalSince1970: -315_619_200.5), Date(timeIntervalSince1970: 32_503_680_000.75),
    ]

    static let stamped = [
        Stamped(at: dates[0], until: nil, history: [], ratio: 5, scores: [:], note: nil, extra: nil),
        Stamped(
            at: dates[1], until: dates[2], history: dates, ratio: 0.25, scores: ["agent-b": 7.5, "agent-a": 10, "é": 1e21],
            note: "«quoted» \"text\" / slash \n newline \u{1} 😀", extra: ["z": [1, 1.5, nil], "a": ["b": true]]
        ),
    ]

    @Test func encodesExactlyAsFoundationDid() throws {
        for value in Self.stamped {
            #expect(try ArenaJSON.encode(value) == ArenaJSON.foundationEncode(value))
        }
        #expect(try ArenaJSON.encode(Self.dates) == ArenaJSON.foundationEncode(Self.dates))
        let attachment: JSONValue = ["bytes": .binary([0, 9, 255]), "at": .string(ArenaJSON.formatDate(Self.dates[3]))]
        #expect(try ArenaJSON.encode(attachment) == ArenaJSON.foundationEncode(attachment))
        let milliseconds = Date(timeIntervalSince1970: 1_795_000_000.123)
        #expect(try ArenaJSON.encode([milliseconds]) == ArenaJSON.foundationEncode([milliseconds]))
        let events: [any Encodable] = [
            ErrorEvent(code: .invalidPayload, message: "missing field battleId", event: "battle:join"),
            RateLimitExceeded(event: "battle:vote", retryAfterMs: 250),
            ShutdownNotice.ServerShutdown(reconnectAfterMs: 1000),
            Identity.agent(id: "a-1", name: "Zoë"),
            Identity.anonymousSpectator,
        ]
        for event in events {
            #expect(try ArenaJSON.encode(event) == ArenaJSON.foundationEncode(event))
        }
    }

    @Test func datesAreISO8601WithMilliseconds() throws {
        let text = String(decoding: try ArenaJSON.encode(["at": Self.dates[0]]), as: UTF8.self)
        #expect(text == #"{"at":"2026-11-18T11:06:40.125Z"}"#)
    }

    @Test func decodesWhatItEncodes() throws {
        for value in Self.stamped {
            let parsed = try JSONParser.parse(try ArenaJSON.encode(value))
            #expect(try ArenaJSON.decode(Stamped.self, from: parsed) == value)
        }
    }

    @Test func decodesDatesWithOrWithoutMilliseconds() throws {
        struct At: Decodable { var at: Date }
        let withMilliseconds = try ArenaJSON.decode(At.self, from: ["at": "2026-11-28T04:30:00.123Z"]).at
        #expect(abs(withMilliseconds.timeIntervalSince1970 - 1_795_840_200.123) < 0.000_5)
        #expect(try ArenaJSON.decode(At.self, from: ["at": "2026-11-28T04:30:00Z"]).at.timeIntervalSince1970 == 1_795_840_200)
    }

    // MARK: Messages for payloads that do not decode

    struct Join: Decodable { var battleId: String; var role: Identity.Role?; var sinceSeq: Int? }
    struct Submit: Decodable { var battleId: String; var content: String; var clientTurnId: String? }
    struct Dated: Decodable { var at: Date; var until: Date? }
    struct Lists: Decodable { var ids: [String]; var counts: [String: Int]; var nested: [[Int]]? }

    /// What `AnyEventHandler` tells the client, through the old path (the value written back to
    /// text, then Foundation's decoder) and through the new one.
    static func messages<T: Decodable>(_ type: T.Type, _ value: JSONValue) -> (old: String?, new: String?) {
        var bytes: [UInt8] = []
        JSONWriter.write(value, into: &bytes)
        func message(_ decode: () throws -> T) -> String? {
            do { _ = try decode(); return nil } catch { return AnyEventHandler.describe(error) }
        }
        return (message { try ArenaJSON.decoder().decode(T.self, from: Data(bytes)) }, message { try ArenaJSON.decode(T.self, from: value) })
    }

    struct Payload: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let messages: @Sendable () -> (old: String?, new: String?)
        let expected: String

        init<T: Decodable & SendableMetatype>(_ type: T.Type, _ text: String, _ expected: String) {
            testDescription = "\(T.self) ← \(text)"
            self.expected = expected
            messages = { ArenaJSONTests.messages(T.self, try! JSONParser.parse(text)) }
        }
    }

    @Test(arguments: [
        Payload(Join.self, "{}", "missing field battleId"),
        Payload(Join.self, #"{"battleId":5}"#, "battleId must be a string"),
        Payload(Join.self, #"{"battleId":null}"#, "battleId must be a string, not null"),
        Payload(Join.self, #"{"battleId":"b","role":"judge"}"#, "role has an invalid value"),
        Payload(Join.self, #"{"battleId":"b","role":7}"#, "role must be a string"),
        Payload(Join.self, #"{"battleId":"b","sinceSeq":"3"}"#, "sinceSeq must be an integer"),
        Payload(Join.self, #"{"battleId":"b","sinceSeq":true}"#, "sinceSeq must be an integer"),
        Payload(Join.self, #""hello""#, "payload must be an object"),
        Payload(Join.self, "null", "payload must be an object, not null"),
        Payload(Join.self, "[]", "payload must be an object"),
        Payload(Submit.self, #"{"battleId":"b"}"#, "missing field content"),
        Payload(Submit.self, #"{"battleId":"b","content":["x"]}"#, "content must be a string"),
        Payload(Submit.self, #"{"battleId":"b","content":"x","clientTurnId":{}}"#, "clientTurnId must be a string"),
        Payload(Dated.self, #"{"at":"yesterday"}"#, "at has an invalid value"),
        Payload(Dated.self, #"{"at":5}"#, "at must be a string"),
        Payload(Dated.self, #"{"at":null}"#, "at must be of the expected type, not null"),
        Payload(Dated.self, #"{"at":"2026-11-28T04:30:00Z","until":"soon"}"#, "until has an invalid value"),
        Payload(Lists.self, #"{"ids":[1],"counts":{}}"#, "ids.0 must be a string"),
        Payload(Lists.self, #"{"ids":"a","counts":{}}"#, "ids must be an array"),
        Payload(Lists.self, #"{"ids":[],"counts":{"x":"y"}}"#, "counts.x must be an integer"),
        Payload(Lists.self, #"{"ids":[],"counts":[]}"#, "counts must be an object"),
        Payload(Lists.self, #"{"ids":[],"counts":{},"nested":[[1],[null]]}"#, "nested.1.0 must be an integer, not null"),
    ])
    func messagesAreTheOldOnes(_ payload: Payload) {
        let (old, new) = payload.messages()
        #expect(new == old)
        #expect(new == payload.expected)
    }

    /// Foundation reported these with an empty coding path, which read "payload is not valid
    /// JSON for this event"; the field is named now.
    @Test(arguments: [#"{"battleId":"b","sinceSeq":1.5}"#, #"{"battleId":"b","sinceSeq":1e20}"#])
    func aNumberThatDoesNotFitNamesItsField(text: String) throws {
        let (old, new) = Self.messages(Join.self, try JSONParser.parse(text))
        #expect(old == "payload is not valid JSON for this event")
        #expect(new == "sinceSeq has an invalid value")
    }
}
