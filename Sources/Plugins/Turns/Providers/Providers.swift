import Foundation

/// A finished (or running) battle as the AI providers see it: who spoke, in order.
public struct BattleTranscript: Sendable, Equatable {
    public struct Speaker: Sendable, Equatable {
        public var id: String
        public var name: String

        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    public struct Turn: Sendable, Equatable {
        public var turnId: String
        public var round: Int
        public var agentId: String
        public var content: String

        public init(turnId: String, round: Int, agentId: String, content: String) {
            self.turnId = turnId
            self.round = round
            self.agentId = agentId
            self.content = content
        }
    }

    public var battleId: String
    public var title: String
    public var participants: [Speaker]
    public var rounds: Int
    public var turns: [Turn]

    public init(battleId: String, title: String, participants: [Speaker], rounds: Int, turns: [Turn]) {
        self.battleId = battleId
        self.title = title
        self.participants = participants
        self.rounds = rounds
        self.turns = turns
    }

    public func name(of agentId: String) -> String {
        participants.first { $0.id == agentId }?.name ?? agentId
    }
}

/// A judge's verdict: a score per participant, the winner (nil on a tie), and why.
public struct JudgeResult: Codable, Sendable, Equatable {
    /// Score per participant id, 0 to 10.
    public var scores: [String: Double]
    public var winnerId: String?
    public var rationale: String
    /// Which judge produced it (`heuristic`, `anthropic`, or `heuristic (fallback)`).
    public var judge: String

    public init(scores: [String: Double], winnerId: String?, rationale: String, judge: String) {
        self.scores = scores
        self.winnerId = winnerId
        self.rationale = rationale
        self.judge = judge
    }

    enum CodingKeys: String, CodingKey { case scores, winnerId, rationale, judge }

    /// `winnerId` is written as null on a tie, not left out: the verdict's shape is the same
    /// whoever wins (CONTRACT.md shows `"winnerId": null`).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scores, forKey: .scores)
        try container.encode(winnerId, forKey: .winnerId)
        try container.encode(rationale, forKey: .rationale)
        try container.encode(judge, forKey: .judge)
    }
}

/// Scores a battle from its transcript.
public protocol Judge: Sendable {
    var name: String { get }
    func judge(_ transcript: BattleTranscript) async throws -> JudgeResult
}

/// Reacts to the latest turn in a line or two.
public protocol Commentator: Sendable {
    var name: String { get }
    func comment(on turn: BattleTranscript.Turn, in transcript: BattleTranscript) async throws -> String
}

/// Audio for a turn's text.
public struct SynthesizedAudio: Sendable, Equatable {
    public var bytes: [UInt8]
    /// File extension without the dot (`wav`, `mp3`).
    public var fileExtension: String
    public var contentType: String

    public init(bytes: [UInt8], fileExtension: String, contentType: String) {
        self.bytes = bytes
        self.fileExtension = fileExtension
        self.contentType = contentType
    }
}

/// Turns text into speech.
public protocol SpeechSynthesizer: Sendable {
    var name: String { get }
    func synthesize(_ text: String) async throws -> SynthesizedAudio
}

/// Why a provider gave no usable answer (the caller falls back).
public struct ProviderError: Error, Sendable, Equatable, CustomStringConvertible {
    public var provider: String
    public var reason: String

    public init(provider: String, reason: String) {
        self.provider = provider
        self.reason = reason
    }

    public var description: String { "\(provider): \(reason)" }
}
