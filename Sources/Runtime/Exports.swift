/// The wire's types (events, error codes, identities, the JSON conventions) live in
/// ArenaProtocol, which clients use too; every plugin sees them through the runtime.
@_exported import ArenaProtocol

/// The SQL layer the plugins' stores are written against (SQLite or PostgreSQL underneath).
@_exported import ArenaStorage
