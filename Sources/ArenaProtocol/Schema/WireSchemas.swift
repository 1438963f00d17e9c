import Foundation
import SocketIOProtocol

// The types whose wire form is not their Swift shape state it here.

extension Date: SchemaDescribed {
    public static var jsonSchema: JSONValue { ["type": "string", "format": "date-time", "description": "ISO 8601, UTC, milliseconds"] }
    public static var schemaSample: Date { Date(timeIntervalSince1970: 0) }
}

extension JSONValue: SchemaDescribed {
    public static var jsonSchema: JSONValue { ["description": "any JSON value"] }
    public static var schemaSample: JSONValue { .null }
}

extension ErrorCode: SchemaDescribed {
    public static var jsonSchema: JSONValue { ["$ref": "#/components/schemas/ErrorCode"] }
    public static var schemaSample: ErrorCode { .invalidPayload }
}

/// A closed set of strings: the enum's raw values.
extension SchemaDescribed where Self: CaseIterable & RawRepresentable, RawValue == String {
    public static var jsonSchema: JSONValue { ["type": "string", "enum": .array(allCases.map { .string($0.rawValue) })] }
    public static var schemaSample: Self { allCases.first! }  // every such enum has cases
}

extension Identity.Role: SchemaDescribed {}
extension BattleStatus: SchemaDescribed {}
extension Visibility: SchemaDescribed {}

extension Ping: SchemaDescribed {
    public static var jsonSchema: JSONValue {
        ["type": "object", "description": "any fields (at most 32); they come back in the pong", "maxProperties": 32]
    }
    public static var schemaSample: Ping { Ping(fields: []) }
}

extension Pong: SchemaDescribed {
    public static var jsonSchema: JSONValue {
        [
            "type": "object", "description": "the ping's fields, beside serverTime",
            "properties": ["serverTime": Date.jsonSchema], "required": ["serverTime"],
        ]
    }
    public static var schemaSample: Pong { Pong(serverTime: .schemaSample, echo: []) }
}

extension ErrorCode {
    /// Every code the server answers with, for the protocol document (a test checks this list
    /// against the declarations above it in the sources).
    public static let declared: [ErrorCode] = [
        .invalidPayload, .unknownEvent, .rateLimited, .internalError, .notFound, .payloadTooLarge, .queueFull, .rateLimitAbuse,
        .invalidApiKey, .agentInactive, .authRequired, .registrationClosed, .operatorKeyRequired,
        .battleNotFound, .notParticipant, .battleCreationClosed, .privateBattle, .notInBattle, .agentNotFound, .battleUnavailable,
        .contentTooLong, .battleNotInProgress, .notYourTurn,
        .votingClosed, .alreadyVoted, .invalidChoice, .cannotVoteOwnBattle, .notEligibleToVote,
    ]
}
