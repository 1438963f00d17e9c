import ArenaStorage
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import PostgresStorage
import Testing

/// The databases the contract runs on.
enum Backend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// Every backend, less PostgreSQL when MOLTARENA_SKIP_POSTGRES=1 says so.
    static var enabled: [Backend] { PostgresTestCluster.isSkipped ? [.sqlite] : [.sqlite, .postgres] }
}

/// A fresh, empty database of one backend for one test: SQLite in a new file, PostgreSQL as a
/// new database on the test cluster. `close()` removes it.
final class TestDatabase: Sendable {
    let backend: Backend
    let database: any SQLDatabase
    /// The PostgreSQL database's address (nil on SQLite), for a second handle on it.
    let postgresURL: PostgresURL?
    private let remove: @Sendable () -> Void

    private init(backend: Backend, database: any SQLDatabase, postgresURL: PostgresURL?, remove: @escaping @Sendable () -> Void) {
        self.backend = backend
        self.database = database
        self.postgresURL = postgresURL
        self.remove = remove
    }

    static func make(_ backend: Backend, poolSize: Int = 8) throws -> TestDatabase {
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("arena-storage-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let database = try SQLiteDatabase.open(path: directory.appendingPathComponent("test.sqlite").path)
            return TestDatabase(backend: backend, database: database, postgresURL: nil) {
                try? FileManager.default.removeItem(at: directory)
            }
        case .postgres:
            let url = try PostgresTestCluster.createDatabase()
            let database = PostgresTestCluster.open(url, poolSize: poolSize)
            return TestDatabase(backend: backend, database: database, postgresURL: url) {
                database.shutdown()
                PostgresTestCluster.dropDatabase(url)
            }
        }
    }

    /// A fresh database with a table `counter (id, n)` holding a row (id, 0) for each of `ids`:
    /// what the tests of concurrent writers count with.
    static func withCounters(_ backend: Backend, ids: [Int64] = [1]) throws -> TestDatabase {
        let test = try make(backend)
        try test.database.write { db in
            try db.execute(sql: "CREATE TABLE counter (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
            for id in ids { try db.execute(sql: "INSERT INTO counter (id, n) VALUES (?, 0)", arguments: [id]) }
        }
        return test
    }

    /// Another PostgreSQL handle (pool) on the same database, as a second instance would have.
    func anotherHandle(poolSize: Int = 8) throws -> PostgresStorage.PostgresDatabase {
        PostgresTestCluster.open(try #require(postgresURL, "a second handle is for PostgreSQL"), poolSize: poolSize)
    }

    func close() { remove() }
}

/// The PostgreSQL cluster the tests run against: MOLTARENA_TEST_POSTGRES_URL (and, for the
/// restart test, the cluster's directory MOLTARENA_TEST_POSTGRES_DIR). Each test makes a database
/// of its own on it.
enum PostgresTestCluster {
    static let howTo = """
        start a throwaway cluster with `scripts/postgres.sh start DIR`, then export \
        MOLTARENA_TEST_POSTGRES_URL=<the URL it prints> and MOLTARENA_TEST_POSTGRES_DIR=DIR \
        (scripts/test.sh does this by itself); or set MOLTARENA_SKIP_POSTGRES=1 to skip the PostgreSQL tests
        """

    struct NotConfigured: Error, CustomStringConvertible {
        let variable: String
        var description: String { "\(variable) is not set: \(PostgresTestCluster.howTo)" }
    }

    static var isSkipped: Bool { ProcessInfo.processInfo.environment["MOLTARENA_SKIP_POSTGRES"] == "1" }

    static func url() throws -> PostgresURL {
        guard let url = ProcessInfo.processInfo.environment["MOLTARENA_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw NotConfigured(variable: "MOLTARENA_TEST_POSTGRES_URL")
        }
        return try PostgresURL(url)
    }

    static func directory() throws -> String {
        guard let directory = ProcessInfo.processInfo.environment["MOLTARENA_TEST_POSTGRES_DIR"], !directory.isEmpty else {
            throw NotConfigured(variable: "MOLTARENA_TEST_POSTGRES_DIR")
        }
        return directory
    }

    static let logger = Logger(label: "arena-storage-tests") { _ in SwiftLogNoOpLogHandler() }

    static func open(_ url: PostgresURL, poolSize: Int = 8) -> PostgresStorage.PostgresDatabase {
        PostgresDatabase(url: url, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger, poolSize: poolSize)
    }

    static func createDatabase() throws -> PostgresURL {
        var url = try url()
        let name = "arena_test_" + UUID().uuidString.prefix(8).lowercased()
        try administer(url, "CREATE DATABASE \(name)")
        url.database = name
        return url
    }

    static func dropDatabase(_ url: PostgresURL) {
        guard let admin = try? Self.url() else { return }
        try? administer(admin, "DROP DATABASE IF EXISTS \(url.database) WITH (FORCE)")
    }

    /// Runs a statement PostgreSQL refuses inside a transaction (which is all PostgresDatabase
    /// runs), on a connection of its own to the cluster's own database.
    private static func administer(_ url: PostgresURL, _ sql: String) throws {
        let configuration = PostgresConnection.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable
        )
        let connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger
        ).wait()
        defer { try? connection.close().wait() }
        _ = try connection.query(PostgresQuery(unsafeSQL: sql), logger: logger).wait()
    }
}

/// A value several threads of a test write.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value { withLock { $0 } }
}

extension SQLError {
    var isUniqueViolation: Bool { if case .uniqueViolation = self { true } else { false } }
    var isUnavailable: Bool { if case .unavailable = self { true } else { false } }
    var isFailed: Bool { if case .failed = self { true } else { false } }
}

/// Runs `body` on a thread of its own (not one of a shared pool, which may not start another
/// thread while its threads are blocked in a transaction); the group is left when it returns.
@discardableResult
func onThread(_ group: DispatchGroup = DispatchGroup(), _ body: @escaping @Sendable () -> Void) -> DispatchGroup {
    group.enter()
    Thread {
        body()
        group.leave()
    }.start()
    return group
}

/// Runs `body(0)`…`body(count - 1)` at once, each on a thread of its own, and returns when all have.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count { onThread(group) { body(index) } }
    group.wait()
}
