import Foundation
import NIOConcurrencyHelpers
import Runtime
import SocketIOProtocol

/// Something a client asks of a battle (a turn, a vote) that only the battle's owner may decide.
/// It is a value, not a closure, so that it can cross to the instance that owns the battle:
/// ``BattleOwners/send(_:)`` runs it here when this instance owns the battle, or carries it to
/// the owner and brings its reply (or its error) back.
public protocol BattleInput: Codable, Sendable {
    associatedtype Reply: Codable & Sendable
    /// The input's name between instances (declared once, like an event name).
    static var topic: String { get }
    var battleId: String { get }
}

/// A plugin's handler for one kind of ``BattleInput``, contributed to ``BattlePlugin/inputs``.
/// It runs on the instance that owns the battle (where `owners.run` finds the owner).
public struct BattleInputHandler: Sendable {
    let topic: String
    /// The handler as written, for inputs that need not cross instances (no encoding).
    private let handler: any Sendable
    /// The handler over JSON, for inputs forwarded by another instance.
    let run: @Sendable (_ body: [UInt8]) async throws -> [UInt8]

    public init<Input: BattleInput>(_ type: Input.Type, _ handler: @escaping @Sendable (Input) async throws -> Input.Reply) {
        self.topic = Input.topic
        self.handler = handler
        self.run = { body in
            try ArenaJSON.encode(try await handler(try ArenaJSON.decode(Input.self, from: try JSONParser.parse(body))))
        }
    }

    func runTyped<Input: BattleInput>(_ input: Input) async throws -> Input.Reply {
        guard let handler = handler as? @Sendable (Input) async throws -> Input.Reply else {
            throw ArenaError(.internalError, "the handler of \(topic) takes another input", status: .internalServerError)
        }
        return try await handler(input)
    }
}

/// What the Battle plugin does when this instance takes a battle over (at start-up, or from an
/// instance that died): each plugin re-arms its timers from what was persisted. Contributed to
/// ``BattlePlugin/takeover``.
public struct BattleTakeover: Sendable {
    let resume: @Sendable (_ battleId: String) async -> Void

    public init(_ resume: @escaping @Sendable (_ battleId: String) async -> Void) {
        self.resume = resume
    }
}

/// An input as it crosses instances, and the answer that comes back.
struct ForwardedInput: Codable {
    var topic: String
    var battleId: String
    var body: String
}

struct ForwardedReply: Codable {
    var body: String?
    var error: ForwardedError?
    /// The instance asked no longer owns the battle: ask again where it is now.
    var notOwner: Bool?
}

/// An ``ArenaError`` as it crosses instances (the client sees the owner's error unchanged).
struct ForwardedError: Codable {
    var code: String
    var message: String
    var status: Int
    var retryAfterMs: Int?

    init(_ error: ArenaError) {
        code = error.code.rawValue
        message = error.message
        status = error.status.code
        retryAfterMs = error.retryAfterMs
    }

    var arenaError: ArenaError {
        ArenaError(ErrorCode(rawValue: code), message, status: .init(code: status), retryAfterMs: retryAfterMs)
    }
}

extension ArenaError {
    static func battleUnavailable(_ battleId: String, retryAfterMs: Int = 1000) -> ArenaError {
        ArenaError(
            .battleUnavailable, "battle \(battleId) is moving to another server; retry in \(retryAfterMs) ms",
            status: .serviceUnavailable, retryAfterMs: retryAfterMs
        )
    }
}
