import ArenaProtocol
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Runtime
import RuntimeTesting
import SocketIOProtocol
import Testing

@testable import moltarena

/// The protocol as data: docs/asyncapi.json is what `moltarena schema` generates from the event
/// types, it names every event and error code the sources declare, and the server serves it.
@Suite struct ProtocolDocumentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theCheckedInDocumentIsTheGeneratedOne() async throws {
        let generated = try await SchemaCommand.document(config: nil)
        let checkedIn = (try? String(contentsOf: Self.root.appending(path: "docs/asyncapi.json"), encoding: .utf8)) ?? ""
        #expect(checkedIn == generated, "docs/asyncapi.json is out of date: run `moltarena schema > docs/asyncapi.json`")
    }

    /// Every `ClientEvent` and `ServerEvent` the sources declare is in the document: a plugin that
    /// sends an event it did not declare (`registrar.sends`) fails here.
    @Test func everyDeclaredEventIsInTheDocument() async throws {
        let all = try await Self.messageNames(config: nil)
        let bench = try await Self.messageNames(configText: "[connection]\n[bench]\n")
        let declared = try Self.declaredEvents()
        #expect(declared.count >= 30)
        for (file, name) in declared {
            let names = file.contains("/Bench/") ? bench : all
            #expect(names.contains(name), "\(name) (\(file)) is not in the protocol document")
        }
    }

    /// Every error code the sources declare is in the document, but those only HTTP answers use.
    @Test func everyErrorCodeIsInTheDocument() async throws {
        let document = try await Self.document(config: nil)
        let codes = Set(try #require(document["components"]?["schemas"]?["ErrorCode"]?["enum"]?.arrayValue).compactMap(\.stringValue))
        let handshake = Set(try #require(document["channels"]?["arena"]?["x-handshake-errors"]?.arrayValue).compactMap(\.stringValue))
        #expect(handshake == ["INVALID_API_KEY", "AGENT_INACTIVE", "AUTH_REQUIRED"])
        let httpOnly: Set = [
            "NOT_FOUND", "PAYLOAD_TOO_LARGE", "REGISTRATION_CLOSED", "OPERATOR_KEY_REQUIRED", "BATTLE_CREATION_CLOSED", "AGENT_NOT_FOUND",
        ]
        let declared = try Self.sources().flatMap { _, text in Self.matches(#"static let \w+: ErrorCode = "([A-Z_]+)""#, in: text) }
        #expect(declared.count >= 25)
        for code in declared where !httpOnly.contains(code) {
            #expect(codes.contains(code) || handshake.contains(code), "\(code) is not in the protocol document")
        }
    }

    @Test func payloadSchemasComeFromTheTypes() throws {
        let join = try PayloadSchema.of(JoinBattle.self)
        #expect(
            join.properties == [
                .init("battleId", .string()), .init("role", .nullable(.oneOf(["agent", "spectator"])), required: false),
                .init("sinceSeq", .nullable(.integer), required: false),
            ])
        let lobby = try PayloadSchema.of(LobbyConnected.self)
        guard case .array(let battle) = lobby.properties.first?.schema else {
            Issue.record("battles is not an array: \(lobby)")
            return
        }
        #expect(
            battle.properties.map(\.name) == ["id", "title", "status", "rounds", "round", "participants", "agentsOnline", "spectators", "createdAt"])
        #expect(battle.properties.first { $0.name == "status" }?.schema == .oneOf(BattleStatus.allCases.map(\.rawValue)))
        #expect(battle.properties.first { $0.name == "createdAt" }?.schema == .string(format: "date-time"))
        #expect(battle.properties.first { $0.name == "participants" }?.schema == .array(.object([.init("id", .string()), .init("name", .string())])))
        let results = try PayloadSchema.of(BattleResultsEvent.self)
        #expect(
            results.properties == [
                .init("battleId", .string()), .init("votes", .map(.integer)), .init("judge", .nullable(.anyValue())),
                .init("winnerId", .nullable(.string())),
            ])
        #expect(try PayloadSchema.of(ErrorEvent.self).properties.first?.schema == .reference("ErrorCode"))
        #expect(join.json["properties"]?["role"] == ["type": ["string", "null"], "enum": ["agent", "spectator", nil]])
    }

    @Test func loggedEventsCarrySeqAndRequestsTheirErrors() async throws {
        let document = try await Self.document(config: nil)
        let messages = try #require(document["components"]?["messages"])
        let turn = try #require(messages["battle.turn"])
        #expect(turn["x-logged"] == true)
        #expect(turn["payload"]?["required"]?.arrayValue?.first == "seq")
        #expect(messages["battle.your_turn"]?["x-logged"] == nil)
        let vote = try #require(messages["battle.vote"]?["x-errors"]?.arrayValue)
        #expect(vote.contains("ALREADY_VOTED") && vote.contains("INVALID_PAYLOAD"))
        let join = try #require(document["operations"]?["receive.battle.join"])
        #expect(join["reply"]?["messages"] == [["$ref": "#/channels/arena/messages/battle.connected"]])
        #expect(document["operations"]?["send.battle.turn_open"]?["action"] == "send")
    }

    /// A server lists what its enabled plugins handle and send, no more.
    @Test func theServerServesItsOwnDocument() async throws {
        let arena = try await ArenaTestHarness.start(pluginsConf: "[connection]\n[battle]\n", catalog: Plugins.catalog)
        try await arena.withHTTP { http in
            let answer = try await http.execute(uri: "/api/v1/asyncapi.json", method: .get, headers: [:], body: nil)
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType] == "application/json")
            let text = String(buffer: answer.body)
            #expect(text == (try arena.runtime.protocolDocument.text()))
            let document = try JSONParser.parse(text)
            let names = Set(
                (document["channels"]?["arena"]?["messages"].flatMap { value -> [String]? in
                    guard case .object(let members) = value else { return nil }
                    return members.map(\.key)
                }) ?? [])
            #expect(names.contains("battle.join") && names.contains("battle.participant_joined") && names.contains("connected"))
            #expect(!names.contains("battle.submit_turn") && !names.contains("battle.vote") && !names.contains("battle.voting_open"))
            let etag = try #require(answer.headers[.eTag])
            let again = try await http.execute(uri: "/api/v1/asyncapi.json", method: .get, headers: [.ifNoneMatch: etag], body: nil)
            #expect(again.status == .notModified)
            #expect(again.body.readableBytes == 0)
        }
    }

    // MARK: Helpers

    static func document(config: String?) async throws -> JSONValue {
        try JSONParser.parse(try await SchemaCommand.document(config: config))
    }

    static func messageNames(config: String?) async throws -> Set<String> {
        try names(await document(config: config))
    }

    static func messageNames(configText: String) async throws -> Set<String> {
        let path = FileManager.default.temporaryDirectory.appending(path: "schema-\(UUID().uuidString).conf").path
        try configText.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await messageNames(config: path)
    }

    static func names(_ document: JSONValue) throws -> Set<String> {
        guard case .object(let messages) = try #require(document["components"]?["messages"]) else { return [] }
        return Set(messages.compactMap { $0.value["name"]?.stringValue })
    }

    /// (file, event name) of every type conforming to ClientEvent, ServerEvent or LoggedEvent.
    static func declaredEvents() throws -> [(String, String)] {
        try sources().flatMap { file, text in
            let pattern = #"struct \w+: [^{]*\b(?:ClientEvent|ServerEvent|LoggedEvent)\b[^{]*\{[^}]*?static let name = "([^"]+)""#
            return matches(pattern, in: text).map { (file, $0) }
        }
    }

    static func sources() throws -> [(String, String)] {
        var files: [(String, String)] = []
        for folder in ["Sources/ArenaProtocol", "Sources/Plugins", "Sources/Runtime"] {
            let url = root.appending(path: folder)
            let enumerator = try #require(FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil))
            for case let file as URL in enumerator where file.pathExtension == "swift" {
                files.append((file.path, try String(contentsOf: file, encoding: .utf8)))
            }
        }
        return files
    }

    static func matches(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}
