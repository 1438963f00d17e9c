import ArenaStorage
import Logging
import NIOCore
import NIOPosix
import PostgresStorage
import Testing

/// A PostgresDatabase with no server behind it: what needs no cluster.
@Suite struct PostgresDatabaseOfflineTests {
    static func unreachable() throws -> PostgresStorage.PostgresDatabase {
        // Nothing listens on port 1: connections are refused at once.
        try PostgresDatabase(
            url: "postgres://arena@127.0.0.1:1/db",
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
    }

    @Test func aDatabaseNobodyAnswersIsUnavailable() throws {
        let db = try Self.unreachable()
        defer { db.shutdown() }
        let error = #expect(throws: SQLError.self) { try db.read { db in try Int.fetchOne(db, sql: "SELECT 1") } }
        #expect(error?.isUnavailable == true, "\(String(describing: error))")
        #expect(!db.ping())
        #expect(throws: SQLError.self) { try db.migrate([]) }
    }

    @Test func aShutDownDatabaseIsUnavailable() throws {
        let db = try Self.unreachable()
        db.shutdown()
        let error = #expect(throws: SQLError.self) { try db.write { db in try db.execute(sql: "SELECT 1") } }
        #expect("\(String(describing: error))".contains("shut down"))
    }

    /// Waiting on an event loop would stop the loop that has to answer: it stops the process
    /// at once instead of hanging.
    @Test func waitingOnAnEventLoopIsAProgrammingError() async {
        let exit = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let db = try PostgresDatabaseOfflineTests.unreachable()
            _ = try await MultiThreadedEventLoopGroup.singleton.next().submit { db.ping() }.get()
        }
        let output = exit.map { String(decoding: $0.standardErrorContent, as: UTF8.self) } ?? ""
        #expect(output.contains("PostgresDatabase was called on an event loop"), "\(output)")
    }
}
