import Foundation
import Testing

import ArenaProtocol
@testable import BattlePlugin
@testable import BenchKit
@testable import Runtime
@testable import TurnsPlugin
@testable import VotingPlugin

/// Every wire name and error code is declared once, on its type, in ArenaProtocol, the shipped
/// plugins and the runtime; BenchKit, which names no plugin, mirrors only names that exist there.
@Suite struct WireNamesTests {
    /// The server's events, from their declaring types.
    static let serverEvents: [String: String] = [
        BattleConnected.name: "BattleConnected", TurnEvent.name: "TurnEvent", CommentaryEvent.name: "CommentaryEvent",
        BattleStateChanged.name: "BattleStateChanged", BattlePresence.name: "BattlePresence", BattleStarting.name: "BattleStarting",
        BattleEnded.name: "BattleEnded", BattleResultsEvent.name: "BattleResultsEvent", ParticipantJoined.name: "ParticipantJoined",
        ParticipantLeft.name: "ParticipantLeft", TurnSkipped.name: "TurnSkipped", AudioEvent.name: "AudioEvent",
        VotingOpen.name: "VotingOpen", VoteUpdate.name: "VoteUpdate", YourTurn.name: "YourTurn", TurnAccepted.name: "TurnAccepted",
        ArenaProtocol.ErrorEvent.name: "ErrorEvent", ArenaProtocol.RateLimitExceeded.name: "RateLimitExceeded",
        ShutdownNotice.ServerShutdown.name: "ServerShutdown", LobbyConnected.name: "LobbyConnected", LobbyBattle.name: "LobbyBattle",
        TurnOpened.name: "TurnOpened",
    ]

    @Test func everyEventTheBenchmarkReadsIsDeclaredByThePluginsOrTheRuntime() {
        for name in BattleEventName.allCases.map(\.rawValue) {
            #expect(Self.serverEvents[name] != nil, "BenchKit reads '\(name)', which no plugin declares")
        }
        #expect(BenchKit.SubmitTurn.name == turnsSubmitTurnName)
        #expect(BattleMatch.rateLimitedCode == ErrorCode.rateLimited.rawValue)
    }

    /// The declarations in the sources: each wire name and each error code appears once among the
    /// shipped plugins and the runtime (the Bench plugin speaks the benchmark peers' protocol and
    /// is never enabled beside them).
    @Test func eachEventNameAndErrorCodeIsDeclaredOnce() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folders = [
            "Sources/ArenaProtocol", "Sources/Runtime", "Sources/Plugins/Connection", "Sources/Plugins/Battle", "Sources/Plugins/Turns",
            "Sources/Plugins/Voting",
        ]
        var names: [String: [String]] = [:]
        var codes: [String: [String]] = [:]
        let name = try Regex(#"^\s*(public )?static let name = "([^"]+)""#)
        let code = try Regex(#"^\s*(public )?static let \w+: ErrorCode = "([^"]+)""#)
        for folder in folders {
            let files = FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path)?.compactMap { $0 as? String } ?? []
            for file in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: root.appendingPathComponent(folder).appendingPathComponent(file), encoding: .utf8)
                for line in text.split(separator: "\n") {
                    if let match = line.firstMatch(of: name), let value = match.output[2].substring {
                        names[String(value), default: []].append("\(folder)/\(file)")
                    }
                    if let match = line.firstMatch(of: code), let value = match.output[2].substring {
                        codes[String(value), default: []].append("\(folder)/\(file)")
                    }
                }
            }
        }
        #expect(names.count >= Self.serverEvents.count, "the scan found the declarations")
        #expect(codes[ErrorCode.notYourTurn.rawValue] != nil && codes[ErrorCode.rateLimited.rawValue] != nil)
        for (value, places) in names.merging(codes, uniquingKeysWith: +) where places.count > 1 {
            Issue.record("'\(value)' is declared \(places.count) times: \(places.joined(separator: ", "))")
        }
    }
}
