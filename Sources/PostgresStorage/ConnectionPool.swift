import ArenaStorage
import Foundation
import Logging
import NIOCore
import PostgresNIO

/// A bounded set of connections to one database, each leased by one transaction at a time, made
/// when first needed and dropped when they break (the next lease makes a new one, so the pool
/// recovers by itself once PostgreSQL is back).
///
/// Written by hand rather than postgres-nio's `PostgresClient` because that pool is async-only
/// and the arena's transactions are synchronous (a battle's owner runs a rule transition and its
/// writes with no suspension in between). Bridging the two would block threads of Swift's
/// cooperative pool while they wait for tasks that need that same pool, which deadlocks when the
/// pool is small. Here a caller waits on a condition variable for a free connection and on the
/// connection's futures, whose work runs on NIO's event loops.
final class ConnectionPool: @unchecked Sendable {
    /// A connection taken from the pool; `isFresh` when it was made for this lease (a connection
    /// that sat idle may have been closed by the server meanwhile).
    struct Lease {
        let connection: PostgresConnection
        let isFresh: Bool
    }

    let capacity: Int
    private let configuration: PostgresConnection.Configuration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var idle: [PostgresConnection] = []
    private var open = 0  // idle, leased, or being connected
    private var nextID = 0
    private var isShutDown = false

    init(capacity: Int, configuration: PostgresConnection.Configuration, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        precondition(capacity > 0, "a connection pool needs room for one connection at least")
        self.capacity = capacity
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// An idle connection, else a new one while the pool has room, else the first one released
    /// within `timeout`. Throws ``SQLError/unavailable(_:)`` when none is had in time or the
    /// database cannot be reached.
    func lease(within timeout: TimeInterval) throws -> Lease {
        preconditionNotOnEventLoop()
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        while true {
            if isShutDown {
                condition.unlock()
                throw SQLError.unavailable("the PostgreSQL connection pool was shut down")
            }
            if let connection = idle.popLast() {
                if connection.isClosed {
                    open -= 1
                    continue
                }
                condition.unlock()
                return Lease(connection: connection, isFresh: false)
            }
            if open < capacity {
                open += 1
                nextID += 1
                let id = nextID
                condition.unlock()
                return Lease(connection: try connect(id: id), isFresh: true)
            }
            guard Date() < deadline else {
                condition.unlock()
                throw SQLError.unavailable("no PostgreSQL connection free within \(timeout) s (all \(capacity) are in use)")
            }
            _ = condition.wait(until: deadline)
        }
    }

    /// Gives a leased connection back: kept for the next lease when `reusable` (its transaction
    /// ended cleanly), closed otherwise.
    func release(_ connection: PostgresConnection, reusable: Bool) {
        condition.lock()
        let keep = reusable && !isShutDown && !connection.isClosed
        if keep { idle.append(connection) } else { open -= 1 }
        condition.signal()
        condition.unlock()
        if !keep { Self.close(connection) }
    }

    /// Closes the idle connections and refuses new leases; connections leased now are closed
    /// when they are released.
    func shutdown() {
        condition.lock()
        isShutDown = true
        let closing = idle
        idle = []
        open -= closing.count
        condition.broadcast()
        condition.unlock()
        for connection in closing { try? connection.close().waitSynchronously() }
    }

    /// Closes a connection without waiting. The connection is kept alive until its channel has
    /// closed: postgres-nio checks (in debug builds) that a connection is closed when it goes away.
    private static func close(_ connection: PostgresConnection) {
        let closed: EventLoopFuture<Void> = connection.close()
        closed.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    private func connect(id: Int) throws -> PostgresConnection {
        do {
            let connection = try PostgresConnection.connect(
                on: eventLoopGroup.next(),
                configuration: configuration,
                id: id,
                logger: logger
            ).waitSynchronously()
            logger.debug("connected to PostgreSQL", metadata: ["connection": "\(id)"])
            return connection
        } catch {
            condition.lock()
            open -= 1
            condition.signal()
            condition.unlock()
            throw PostgresFailure(error).sqlError
        }
    }
}
