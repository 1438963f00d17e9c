import NIOConcurrencyHelpers
import NIOCore

/// A Lua script run atomically on Redis by its digest (EVALSHA): loaded on first use, and again
/// after Redis forgot it (a restart), so a script's text crosses the network once per load.
public final class RedisScript: Sendable {
    public let source: String
    private let sha = NIOLockedValueBox<String?>(nil)

    public init(_ source: String) {
        self.source = source
    }

    public func run(on link: RedisLink, keys: [String], arguments: [String]) async throws -> RESPValue {
        let tail = [String(keys.count)] + keys + arguments
        if let sha = sha.withLockedValue({ $0 }) {
            do {
                return try await link.command(["EVALSHA", sha] + tail).get()
            } catch let error as RedisError where error.description.hasPrefix("NOSCRIPT") {
                self.sha.withLockedValue { $0 = nil }
            }
        }
        guard let loaded = try await link.command(["SCRIPT", "LOAD", source]).get().string else {
            throw RedisError("SCRIPT LOAD gave no digest")
        }
        sha.withLockedValue { $0 = loaded }
        return try await link.command(["EVALSHA", loaded] + tail).get()
    }
}
