import Foundation
import Runtime
import SocketIOProtocol

/// A turn as the snapshot shows it (CONTRACT.md's SNAPSHOT `turns`).
public struct SnapshotTurn: Sendable, Equatable {
    public var turnId: String
    public var round: Int
    public var agentId: String
    public var content: String
    public var createdAt: Date
    public var audioUrl: String?

    public init(turnId: String, round: Int, agentId: String, content: String, createdAt: Date, audioUrl: String?) {
        self.turnId = turnId
        self.round = round
        self.agentId = agentId
        self.content = content
        self.createdAt = createdAt
        self.audioUrl = audioUrl
    }

    var json: JSONValue {
        var members: [JSONMember] = [
            JSONMember("turnId", .string(turnId)),
            JSONMember("round", .int(Int64(round))),
            JSONMember("agentId", .string(agentId)),
            JSONMember("content", .string(content)),
            JSONMember("createdAt", .string(ArenaJSON.formatDate(createdAt))),
        ]
        if let audioUrl { members.append(JSONMember("audioUrl", .string(audioUrl))) }
        return .object(members)
    }
}

/// The snapshot's `turns`, contributed by the plugin that stores turns (Turns), read in the same
/// transaction as the battle. A battle's accepted turns are numbered by their index, 0 for the
/// first, in the order they were accepted; turns are only ever appended, so an index names the
/// same turn for the battle's whole life, and pages of turns can be read by index.
public struct TurnsSnapshotSection: Sendable {
    /// How many turns the battle has accepted.
    public let count: @Sendable (_ battle: Battle, _ db: any SQLConnection) throws -> Int
    /// The turns with indexes `from` to `from + limit - 1` (those that exist), in order.
    public let page: @Sendable (_ battle: Battle, _ from: Int, _ limit: Int, _ db: any SQLConnection) throws -> [SnapshotTurn]

    public init(
        count: @escaping @Sendable (_ battle: Battle, _ db: any SQLConnection) throws -> Int,
        page: @escaping @Sendable (_ battle: Battle, _ from: Int, _ limit: Int, _ db: any SQLConnection) throws -> [SnapshotTurn]
    ) {
        self.count = count
        self.page = page
    }

    /// A section from every turn at once, for contributors with few turns (and tests).
    public init(read: @escaping @Sendable (_ battle: Battle, _ db: any SQLConnection) throws -> [SnapshotTurn]) {
        self.count = { battle, db in try read(battle, db).count }
        self.page = { battle, from, limit, db in Array(try read(battle, db).dropFirst(from).prefix(limit)) }
    }
}

/// A run of a battle's turns: the turns with indexes `from` to `from + turns.count - 1`, of
/// `total`. The snapshot carries the last ones; `GET /api/v1/battles/{id}/turns` any run.
public struct TurnsPage: Sendable, Equatable {
    public var turns: [SnapshotTurn]
    public var from: Int
    public var total: Int

    public init(turns: [SnapshotTurn], from: Int, total: Int) {
        self.turns = turns
        self.from = from
        self.total = total
    }

    /// No turns (no plugin contributes them).
    public static let empty = TurnsPage(turns: [], from: 0, total: 0)
}

/// Which run of turns a reader asks for: the pure rule from the request's `before`, `from` and
/// `limit` and the battle's turn count to the indexes to read.
public struct TurnsRange: Sendable, Equatable {
    public enum Anchor: Sendable, Equatable {
        /// The `limit` turns just before this index (the newest ones when nil).
        case before(Int?)
        /// The `limit` turns from this index on.
        case from(Int)
    }

    public var anchor: Anchor
    public var limit: Int

    public init(_ anchor: Anchor, limit: Int) {
        self.anchor = anchor
        self.limit = limit
    }

    /// The first index to read and how many, clamped to the `total` turns there are.
    public func indexes(total: Int) -> (from: Int, count: Int) {
        switch anchor {
        case .before(let before):
            let end = min(before ?? total, total)
            let from = max(0, end - limit)
            return (from, max(0, end - from))
        case .from(let start):
            let from = min(start, total)
            return (from, min(limit, total - from))
        }
    }
}

/// The snapshot's live `votes` (count per participant) while a vote runs or after it, nil before;
/// contributed by the plugin that takes votes (Voting).
public struct VotesSnapshotSection: Sendable {
    public let read: @Sendable (_ battle: Battle, _ db: any SQLConnection) throws -> [String: Int]?

    public init(read: @escaping @Sendable (_ battle: Battle, _ db: any SQLConnection) throws -> [String: Int]?) {
        self.read = read
    }
}

/// Whose turn it is while a turn is open: the snapshot's `currentTurn`
/// (`{"agentId","round","deadline"}`, or null).
public struct SnapshotCurrentTurn: Sendable, Equatable {
    public var agentId: String
    public var round: Int
    public var deadline: Date

    public init(agentId: String, round: Int, deadline: Date) {
        self.agentId = agentId
        self.round = round
        self.deadline = deadline
    }

    var json: JSONValue {
        .object([
            JSONMember("agentId", .string(agentId)),
            JSONMember("round", .int(Int64(round))),
            JSONMember("deadline", .string(ArenaJSON.formatDate(deadline))),
        ])
    }
}

/// The snapshot's `currentTurn`, contributed by the plugin that runs the turns (Turns), read in
/// the same transaction as the battle, so spectators who (re)join see whose turn it is.
public struct CurrentTurnSnapshotSection: Sendable {
    public let read: @Sendable (_ battle: Battle, _ db: any SQLConnection) throws -> SnapshotCurrentTurn?

    public init(read: @escaping @Sendable (_ battle: Battle, _ db: any SQLConnection) throws -> SnapshotCurrentTurn?) {
        self.read = read
    }
}

/// The extension points of the Battle plugin, declared at boot.
extension BattlePlugin {
    /// The clients' inputs that only a battle's owner decides (turns, votes, presence): one
    /// handler per ``BattleInput`` type, run on whichever instance owns the battle.
    public static let inputs = ExtensionPoint<BattleInputHandler>("battle.inputs", .many)
    /// What each plugin re-arms when this instance takes a battle over.
    public static let takeover = ExtensionPoint<BattleTakeover>("battle.takeover", .many)
    /// What happens when a battle's turns are over (Voting opens its window).
    public static let conclusion = ExtensionPoint<any BattleConclusion>("battle.conclusion", .atMostOne)
    /// The snapshot's `turns`.
    public static let snapshotTurns = ExtensionPoint<TurnsSnapshotSection>("battle.snapshot.turns", .atMostOne)
    /// The snapshot's `votes`.
    public static let snapshotVotes = ExtensionPoint<VotesSnapshotSection>("battle.snapshot.votes", .atMostOne)
    /// The snapshot's `currentTurn`.
    public static let snapshotCurrentTurn = ExtensionPoint<CurrentTurnSnapshotSection>("battle.snapshot.currentTurn", .atMostOne)
}

/// The snapshot's shape is the contract's: the Battle plugin writes every field, the sections
/// fill theirs, and a field without a contributor keeps its empty value.
struct SnapshotBuilder: Sendable {
    let turns: Contributions<TurnsSnapshotSection>
    let votes: Contributions<VotesSnapshotSection>
    let currentTurn: Contributions<CurrentTurnSnapshotSection>
    /// How many of the newest turns the snapshot carries (`[battle] snapshot_turns`): a late
    /// joiner of a long battle gets a bounded frame, and pages back through the rest.
    let turnsLimit: Int

    func snapshot(_ id: String, in db: any SQLConnection) throws -> JSONValue? {
        guard let battle = try BattleStore.battle(id, in: db) else { return nil }
        let turns = try self.turns(of: battle, TurnsRange(.before(nil), limit: turnsLimit), in: db)
        let results = try BattleOutcomeTables.results(id, in: db)
        let liveVotes = try self.votes.one?.read(battle, db)
        let currentTurn = try self.currentTurn.one?.read(battle, db)
        let votes: JSONValue =
            results?.votes ?? .object((liveVotes ?? [:]).sorted { $0.key < $1.key }.map { JSONMember($0.key, .int(Int64($0.value))) })
        return .object([
            JSONMember("id", .string(battle.id)),
            JSONMember("title", .string(battle.title)),
            JSONMember("status", .string(battle.status.rawValue)),
            JSONMember("visibility", .string(battle.visibility.rawValue)),
            JSONMember("rounds", .int(Int64(battle.rounds))),
            JSONMember("round", .int(Int64(battle.round))),
            JSONMember("seq", .int(Int64(battle.seq))),
            JSONMember("participants", .array(battle.participants.map { .object(["id": .string($0.id), "name": .string($0.name)]) })),
            JSONMember("turns", .array(turns.turns.map(\.json))),
            JSONMember("turnsFrom", .int(Int64(turns.from))),
            JSONMember("turnsTotal", .int(Int64(turns.total))),
            JSONMember("votes", votes),
            JSONMember("results", results?.results ?? .null),
            JSONMember("currentTurn", currentTurn?.json ?? .null),
            JSONMember("createdAt", .string(ArenaJSON.formatDate(battle.createdAt))),
        ])
    }

    /// A run of the battle's turns, read in the caller's transaction.
    func turns(of battle: Battle, _ range: TurnsRange, in db: any SQLConnection) throws -> TurnsPage {
        guard let section = turns.one else { return .empty }
        let total = try section.count(battle, db)
        let (from, count) = range.indexes(total: total)
        return TurnsPage(turns: count > 0 ? try section.page(battle, from, count, db) : [], from: from, total: total)
    }
}
