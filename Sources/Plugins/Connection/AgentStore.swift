import Foundation
import Runtime

/// An agent as the API shows it (never with its key).
public struct Agent: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case active, inactive
    }

    public var id: String
    public var name: String
    public var status: Status
    public var createdAt: Date
}

/// An agent with the key it was just given; the only time the key is shown.
public struct CreatedAgent: Encodable, Sendable {
    public var id: String
    public var name: String
    public var status: Agent.Status
    public var apiKey: String
}

/// The agents table, owned by the Connection plugin.
public struct AgentStore: Sendable {
    let database: any SQLDatabase
    let clock: any RuntimeClock

    public init(database: any SQLDatabase, clock: any RuntimeClock) {
        self.database = database
        self.clock = clock
    }

    /// The plugin's migrations, also run by the CLI before it touches agents.
    public static let migrations: [SQLMigration] = [
        SQLMigration(
            "connection.1-agents",
            """
            CREATE TABLE agents (
                id TEXT PRIMARY KEY NOT NULL,
                name TEXT NOT NULL,
                status TEXT NOT NULL,
                key_digest BYTEA NOT NULL UNIQUE,
                created_at TIMESTAMPTZ NOT NULL
            )
            """
        )
    ]

    public static let maxNameLength = 64

    /// Names are shown to spectators beside other text (``DisplayText``).
    public func create(name: String) throws -> CreatedAgent {
        let name = try DisplayText.validated(name, field: "name", maxLength: Self.maxNameLength)
        let id = ArenaID.make("agt")
        let key = ApiKey.generate()
        let now = clock.now()
        try database.write { db in
            try db.execute(
                sql: "INSERT INTO agents (id, name, status, key_digest, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, name, Agent.Status.active.rawValue, ApiKey.digest(key), now]
            )
        }
        return CreatedAgent(id: id, name: name, status: .active, apiKey: key)
    }

    /// The agent holding this key, found by the digest's index and compared in constant time.
    public func agent(forKey key: String) throws -> Agent? {
        guard ApiKey.looksValid(key) else { return nil }
        return try agent(forDigest: ApiKey.digest(key))
    }

    /// The agent whose key has this SHA-256 digest (``ApiKey/digest(_:)``).
    func agent(forDigest digest: Data) throws -> Agent? {
        try database.read { db in
            guard let row = try SQLRow.fetchOne(db, sql: "SELECT * FROM agents WHERE key_digest = ?", arguments: [digest]) else { return nil }
            guard ApiKey.constantTimeEquals(try row["key_digest"], digest) else { return nil }
            return try Self.agent(from: row)
        }
    }

    public func agent(id: String) throws -> Agent? {
        try database.read { db in
            try SQLRow.fetchOne(db, sql: "SELECT * FROM agents WHERE id = ?", arguments: [id]).map(Self.agent(from:))
        }
    }

    public func list() throws -> [Agent] {
        try database.read { db in
            try SQLRow.fetchAll(db, sql: "SELECT * FROM agents ORDER BY created_at, id").map(Self.agent(from:))
        }
    }

    /// Marks the agent inactive; its key stops working at the next handshake, and the server
    /// ends its open connections (at once through the operator's route, else at its next
    /// revocation check). Nil for an unknown id.
    public func deactivate(id: String) throws -> Agent? {
        try database.write { db in
            try db.execute(sql: "UPDATE agents SET status = ? WHERE id = ?", arguments: [Agent.Status.inactive.rawValue, id])
            return try SQLRow.fetchOne(db, sql: "SELECT * FROM agents WHERE id = ?", arguments: [id]).map(Self.agent(from:))
        }
    }

    /// Which of `ids` are inactive agents.
    public func inactive(among ids: [String]) throws -> [String] {
        try database.read { db in
            var inactive: [String] = []
            // In chunks, well under SQLite's limit on bound values.
            for start in stride(from: 0, to: ids.count, by: 500) {
                let chunk = Array(ids[start..<min(start + 500, ids.count)])
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                inactive += try String.fetchAll(
                    db, sql: "SELECT id FROM agents WHERE status = ? AND id IN (\(marks))",
                    arguments: [Agent.Status.inactive.rawValue] + chunk)
            }
            return inactive
        }
    }

    static func agent(from row: SQLRow) throws -> Agent {
        Agent(
            id: try row["id"], name: try row["name"],
            status: Agent.Status(rawValue: try row["status"]) ?? .inactive,
            createdAt: try row["created_at"]
        )
    }
}
