import Foundation
import Logging
import MessagePack
import NIOConcurrencyHelpers
import NIOCore
import Runtime

/// The arena's instances over Redis: leases are keys holding their holder's id with an expiry,
/// taken and extended by one atomic script; a request to one instance is a message on that
/// instance's own channel, answered on the asker's. Replies are published on the same
/// connection as the instance's broadcasts, so Redis delivers them in the order they were sent.
public final class RedisCluster: Cluster {
    public let instanceId: String
    public var isDistributed: Bool { true }
    private let link: RedisLink
    private let group: any EventLoopGroup
    private let logger: Logger
    private let keyPrefix: String
    private let handlers = NIOLockedValueBox<[String: @Sendable ([UInt8]) async -> [UInt8]]>([:])
    private let pending = NIOLockedValueBox<[UInt64: CheckedContinuation<[UInt8], any Error>]>([:])
    private let nextRequestId = NIOLockedValueBox<UInt64>(0)

    /// KEYS[1] the lease; ARGV[1] the asking instance; ARGV[2] the time to live in ms. Takes a
    /// free lease or extends the asker's own; returns the holder after the attempt.
    static let leaseScript = RedisScript(
        """
        local holder = redis.call('GET', KEYS[1])
        if holder == false or holder == ARGV[1] then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return ARGV[1]
        end
        return holder
        """)
    /// KEYS[1] the lease; ARGV[1] the instance letting go: deletes the lease only if it holds it.
    static let releaseScript = RedisScript(
        """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """)

    public init(instanceId: String, link: RedisLink, group: any EventLoopGroup, logger: Logger, keyPrefix: String = "moltarena:lease:") {
        self.instanceId = instanceId
        self.link = link
        self.group = group
        self.logger = logger
        self.keyPrefix = keyPrefix
        link.subscribe(Self.channel(of: instanceId)) { [weak self] message in self?.received(message) }
    }

    /// An instance's own channel: requests to it and replies to its requests.
    static func channel(of instance: String) -> String { "moltarena#cluster#\(instance)" }

    // MARK: Leases

    public func lease(_ key: String, ttl: Duration) async throws -> String {
        let milliseconds = String(max(Int(ttl.seconds * 1000), 1))
        let reply = try await unreachableIfFailing("lease \(key)") {
            try await Self.leaseScript.run(on: link, keys: [keyPrefix + key], arguments: [instanceId, milliseconds])
        }
        guard let holder = reply.string else { throw ClusterError.unreachable("lease \(key): unexpected reply") }
        return holder
    }

    public func holders(_ keys: [String]) async throws -> [String?] {
        guard !keys.isEmpty else { return [] }
        let reply = try await unreachableIfFailing("MGET") { try await link.command(["MGET"] + keys.map { keyPrefix + $0 }).get() }
        guard case .array(let items?) = reply, items.count == keys.count else { throw ClusterError.unreachable("MGET: unexpected reply") }
        return items.map(\.string)
    }

    public func releaseLease(_ key: String) async {
        _ = try? await Self.releaseScript.run(on: link, keys: [keyPrefix + key], arguments: [instanceId])
    }

    public func liveInstances(_ ids: Set<String>) async -> Set<String> {
        let ordered = ids.sorted()
        guard !ordered.isEmpty,
            case .array(let items?) = try? await link.command(["PUBSUB", "NUMSUB"] + ordered.map(Self.channel(of:))).get()
        else { return ids }  // Unknown: assume alive rather than forget anyone's presence.
        var live: Set<String> = []
        for (index, id) in ordered.enumerated() where 2 * index + 1 < items.count {
            if case .integer(let count) = items[2 * index + 1], count > 0 { live.insert(id) }
        }
        return live
    }

    /// The instances listening on their own channels (each subscribes to one while connected).
    public func instances() async throws -> Set<String> {
        let prefix = Self.channel(of: "")
        let reply = try await unreachableIfFailing("PUBSUB CHANNELS") {
            try await link.command(["PUBSUB", "CHANNELS", prefix + "*"]).get()
        }
        guard case .array(let items?) = reply else { throw ClusterError.unreachable("PUBSUB CHANNELS: unexpected reply") }
        return Set(items.compactMap { $0.string.map { String($0.dropFirst(prefix.count)) } })
    }

    private func unreachableIfFailing(_ what: String, _ body: () async throws -> RESPValue) async throws -> RESPValue {
        do {
            return try await body()
        } catch {
            throw ClusterError.unreachable("\(what): \(error)")
        }
    }

    // MARK: Requests

    public func handle(topic: String, _ handler: @escaping @Sendable ([UInt8]) async -> [UInt8]) {
        handlers.withLockedValue { $0[topic] = handler }
    }

    public func request(_ instance: String, topic: String, _ body: [UInt8], timeout: Duration) async throws -> [UInt8] {
        let id = nextRequestId.withLockedValue { id in
            id += 1
            return id
        }
        let message = MessagePackWriter.encode(
            .map([
                (.string("id"), .uint(id)), (.string("from"), .string(instanceId)), (.string("topic"), .string(topic)),
                (.string("body"), .binary(body)),
            ]))
        let timer = group.any().scheduleTask(in: .nanoseconds(Int64(timeout.seconds * 1e9))) { [weak self] in
            self?.finish(id, with: .failure(ClusterError.unreachable("instance \(instance) did not answer \(topic) in time")))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            pending.withLockedValue { $0[id] = continuation }
            link.publish(message, on: Self.channel(of: instance)).whenComplete { [weak self] result in
                // Nobody listens on that channel: the instance is gone; no need to wait.
                switch result {
                case .success(.integer(0)):
                    self?.finish(id, with: .failure(ClusterError.unreachable("instance \(instance) is not connected")))
                case .failure(let error):
                    self?.finish(id, with: .failure(ClusterError.unreachable("publish: \(error)")))
                default: break
                }
            }
        }
    }

    private func finish(_ id: UInt64, with result: Result<[UInt8], any Error>) {
        pending.withLockedValue { $0.removeValue(forKey: id) }?.resume(with: result)
    }

    /// A request for this instance, or a reply to one of its own.
    private func received(_ message: [UInt8]) {
        guard let value = try? MessagePackReader.decode(message), let id = value["id"]?.intValue.map(UInt64.init),
            case .binary(let body)? = value["body"]
        else {
            logger.warning("an unreadable cluster message was ignored")
            return
        }
        if value["reply"] != nil {
            finish(id, with: .success(body))
            return
        }
        guard let from = value["from"]?.stringValue, let topic = value["topic"]?.stringValue,
            let handler = handlers.withLockedValue({ $0[topic] })
        else {
            logger.warning("a cluster request for no handler was ignored", metadata: ["topic": "\(value["topic"]?.stringValue ?? "")"])
            return
        }
        let link = self.link
        Task {
            let answer = await handler(body)
            let reply = MessagePackWriter.encode(
                .map([(.string("id"), .uint(id)), (.string("reply"), .bool(true)), (.string("body"), .binary(answer))]))
            link.publish(reply, on: Self.channel(of: from))
        }
    }
}
