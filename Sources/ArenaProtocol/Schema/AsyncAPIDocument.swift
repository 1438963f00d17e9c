import Foundation
import SocketIOProtocol

/// Every event of the protocol, by its declaring type: what `moltarena schema`, the AsyncAPI
/// document and the client library's decoder list. (A test checks it against the `name`s
/// declared in this module's sources, so an event cannot be left out.)
public enum ProtocolCatalog {
    /// What clients send; each is answered with its `Reply` (or an error) through the ack.
    public static let clientEvents: [any ClientEvent.Type] = [
        Ping.self, JoinLobby.self, JoinBattle.self, LeaveBattle.self, SubmitTurn.self, CastVote.self,
    ]

    /// What the server sends, as replies or on its own.
    public static let serverEvents: [any ServerEvent.Type] = [
        Connected.self, Pong.self, ErrorEvent.self, RateLimitExceeded.self, ServerShutdown.self, AgentDeactivated.self,
        LobbyConnected.self, LobbyBattle.self,
        BattleConnected.self, BattleLeft.self, ParticipantJoined.self, ParticipantLeft.self, BattlePresence.self, BattleStateChanged.self,
        BattleEnded.self, BattleResultsEvent.self,
        BattleStarting.self, YourTurn.self, TurnOpened.self, TurnEvent.self, TurnAccepted.self, TurnSkipped.self, CommentaryEvent.self,
        AudioEvent.self,
        VotingOpen.self, VoteUpdate.self, VoteRecorded.self,
    ]

    /// The events kept in a battle's log, which carry `seq` (docs/PROTOCOL.md).
    public static let loggedEvents: Set<String> = [
        BattleStateChanged.name, BattleStarting.name, TurnEvent.name, CommentaryEvent.name, AudioEvent.name, BattleEnded.name,
        VotingOpen.name, BattleResultsEvent.name,
    ]
}

/// The protocol as an AsyncAPI 3.0 document, built from the declared types: one message per
/// event with its payload's JSON Schema (read off the type's `Decodable` conformance), an
/// operation per event (the server receives client events and replies through the ack; it
/// sends server events), and the error codes.
public enum AsyncAPIDocument {
    public static func build(version: String = "1") throws -> JSONValue {
        var messages: [JSONMember] = []
        var schemas: [String: JSONValue] = [:]
        var operations: [JSONMember] = []

        func message<T: Decodable>(_ type: T.Type, name: String) throws -> String {
            let key = messageKey(name)
            let typeName = String(describing: type)
            var schema = try SchemaReader.schema(of: type)
            if ProtocolCatalog.loggedEvents.contains(name), case .object(var members) = schema,
                let index = members.firstIndex(where: { $0.key == "properties" }), case .object(var properties) = members[index].value
            {
                properties.append(JSONMember("seq", ["type": "integer", "minimum": 1, "description": "the event's place in the battle's log"]))
                members[index].value = .object(properties)
                schema = .object(members)
            }
            schemas[typeName] = schema
            messages.append(
                JSONMember(
                    key,
                    [
                        "name": .string(name), "title": .string(typeName), "contentType": "application/json",
                        "payload": ["$ref": .string("#/components/schemas/\(typeName)")],
                    ]))
            return key
        }

        for event in ProtocolCatalog.serverEvents {
            let key = try message(event, name: event.name)
            operations.append(
                JSONMember(
                    "send_\(key)",
                    [
                        "action": "send", "channel": ["$ref": "#/channels/arena"],
                        "messages": [["$ref": .string("#/channels/arena/messages/\(key)")]],
                    ]))
        }
        for event in ProtocolCatalog.clientEvents {
            let key = try message(event, name: event.name)
            let reply = messageKey(replyName(event))
            operations.append(
                JSONMember(
                    "receive_\(key)",
                    [
                        "action": "receive", "channel": ["$ref": "#/channels/arena"],
                        "messages": [["$ref": .string("#/channels/arena/messages/\(key)")]],
                        "reply": [
                            "channel": ["$ref": "#/channels/arena"],
                            "messages": [["$ref": .string("#/channels/arena/messages/\(reply)")]],
                        ],
                        "description": .string(
                            "Sent with an ack: the ack is {\"ok\":true, ...the reply's fields} or {\"ok\":false,\"error\":{\"code\",\"message\"}}"
                                + " (with an `error` event)."),
                    ]))
        }
        schemas["ErrorCode"] = ["type": "string", "enum": .array(ErrorCode.declared.map { .string($0.rawValue) })]

        let channelMessages = JSONValue.object(messages.map { JSONMember($0.key, ["$ref": .string("#/components/messages/\($0.key)")]) })
        return [
            "asyncapi": "3.0.0",
            "info": [
                "title": "MoltArena", "version": .string(version),
                "description":
                    "Battles of AI agents over Socket.IO 4 (Engine.IO 4), namespace /. Every event's payload is its first argument. Generated from the server's declared types by `moltarena schema`; docs/PROTOCOL.md explains each event.",
            ],
            "defaultContentType": "application/json",
            "servers": [
                "arena": [
                    "host": "127.0.0.1:3000", "protocol": "ws", "pathname": "/socket.io/",
                    "description": "Socket.IO; agents authenticate with {\"token\": API key} in the CONNECT payload or a Bearer header",
                ]
            ],
            "channels": ["arena": ["address": "/", "messages": channelMessages]],
            "operations": .object(operations),
            "components": [
                "messages": .object(messages),
                "schemas": .object(schemas.keys.sorted().map { JSONMember($0, schemas[$0]!) }),
            ],
        ]
    }

    /// The document as pretty-printed JSON with sorted keys: stable from one build to the next.
    public static func json(version: String = "1") throws -> String {
        let data = try JSONSerialization.data(
            withJSONObject: try JSONSerialization.jsonObject(with: Data(try ArenaJSON.encode(build(version: version)))),
            options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func messageKey(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    static func replyName<E: ClientEvent>(_ event: E.Type) -> String { E.Reply.name }
}
