import ArenaProtocol
import Foundation
import SocketIOProtocol
import Testing

/// The protocol as data: the AsyncAPI document is what the declared types say, the catalog
/// lists every declared event, the error codes every declared code, and docs/asyncapi.json is
/// the current document.
@Suite struct ProtocolDocumentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `static let name = "..."` and `static let x: ErrorCode = "..."` in the sources under `folder`.
    static func declarations(in folder: String) throws -> (names: Set<String>, codes: Set<String>) {
        let name = try Regex(#"^\s*(public )?static let name = "([^"]+)""#)
        let code = try Regex(#"^\s*(public )?static let \w+: ErrorCode = "([^"]+)""#)
        var names: Set<String> = []
        var codes: Set<String> = []
        let base = root.appendingPathComponent(folder)
        for file in FileManager.default.enumerator(atPath: base.path)?.compactMap({ $0 as? String }) ?? [] where file.hasSuffix(".swift") {
            for line in try String(contentsOf: base.appendingPathComponent(file), encoding: .utf8).split(separator: "\n") {
                if let match = line.firstMatch(of: name), let value = match.output[2].substring { names.insert(String(value)) }
                if let match = line.firstMatch(of: code), let value = match.output[2].substring { codes.insert(String(value)) }
            }
        }
        return (names, codes)
    }

    @Test func theCheckedInDocumentIsTheGeneratedOne() throws {
        let checkedIn = try String(contentsOf: Self.root.appendingPathComponent("docs/asyncapi.json"), encoding: .utf8)
        #expect(checkedIn == (try AsyncAPIDocument.json()), "docs/asyncapi.json is out of date: run `moltarena schema > docs/asyncapi.json`")
    }

    @Test func theCatalogListsEveryDeclaredEventAndEveryErrorCode() throws {
        let declared = try Self.declarations(in: "Sources/ArenaProtocol")
        let listed = Set(ProtocolCatalog.clientEvents.map { $0.name } + ProtocolCatalog.serverEvents.map { $0.name })
        #expect(listed == declared.names)
        #expect(Set(ErrorCode.declared.map(\.rawValue)) == declared.codes)
        #expect(ErrorCode.declared.count == declared.codes.count, "a code listed twice")
        // Every code the server can answer with lives in the protocol module, none in a plugin.
        let everywhere = try Self.declarations(in: "Sources")
        #expect(everywhere.codes == declared.codes)
    }

    @Test func eachEventIsAMessageWithItsPayloadAndEachClientEventHasItsReply() throws {
        let document = try AsyncAPIDocument.build()
        let messages = document["components"]?["messages"]
        for event in ProtocolCatalog.serverEvents {
            let key = String(event.name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
            #expect(messages?[key]?["name"] == .string(event.name))
            #expect(document["operations"]?["send_\(key)"]?["action"] == "send")
        }
        let submit = document["operations"]?["receive_battle_submit_turn"]
        #expect(submit?["action"] == "receive")
        #expect(submit?["reply"]?["messages"]?.arrayValue?.first?["$ref"] == "#/channels/arena/messages/battle_turn_accepted")
        let schemas = document["components"]?["schemas"]
        #expect(schemas?["TurnEvent"]?["properties"]?["seq"] != nil, "logged events carry seq")
        #expect(schemas?["YourTurn"]?["properties"]?["seq"] == nil)
        #expect(schemas?["ErrorEvent"]?["properties"]?["code"] == ["$ref": "#/components/schemas/ErrorCode"])
    }

    struct Sample: Decodable {
        enum Mood: String, Decodable, CaseIterable, SchemaDescribed { case calm, loud }
        struct Inner: Decodable { var id: String }
        var name: String
        var nickname: String?
        var count: Int
        var ratio: Double?
        var tags: [String]
        var scores: [String: Double]
        var inner: Inner
        var others: [Inner]?
        var mood: Mood
        var at: Date
        var anything: JSONValue
    }

    @Test func aSchemaIsReadOffTheTypesOwnDecoding() throws {
        let schema = try SchemaReader.schema(of: Sample.self)
        #expect(schema["required"] == ["name", "count", "tags", "scores", "inner", "mood", "at", "anything"])
        let properties = schema["properties"]
        #expect(properties?["nickname"] == ["type": "string"])
        #expect(properties?["ratio"] == ["type": "number"])
        #expect(properties?["tags"] == ["type": "array", "items": ["type": "string"]])
        #expect(properties?["scores"] == ["type": "object", "additionalProperties": ["type": "number"]])
        #expect(properties?["inner"] == ["type": "object", "properties": ["id": ["type": "string"]], "required": ["id"]])
        #expect(properties?["others"]?["items"]?["properties"]?["id"] == ["type": "string"])
        #expect(properties?["mood"] == ["type": "string", "enum": ["calm", "loud"]])
        #expect(properties?["at"]?["format"] == "date-time")
    }
}
