import Foundation

/// What one instance knows of the others serving the same arena: leases (which instance runs
/// what) and requests to one instance. A single instance is a cluster of one (``SoloCluster``);
/// over Redis every instance sees the same leases and reaches the others by pub/sub.
///
/// Leases decide who *should* act; they are not what keeps a paused instance from acting late.
/// That is the fencing token the database checks in the same transaction as each write.
public protocol Cluster: Sendable {
    /// This instance's id, unique in the cluster.
    var instanceId: String { get }
    /// More than one instance may serve the arena (leases and requests cross processes).
    var isDistributed: Bool { get }
    /// Takes the lease `key` if it is free, or extends it if this instance holds it, for `ttl`.
    /// Returns the holder's id after the attempt: this instance's when it holds the lease.
    /// Throws ``ClusterError/unreachable`` when the cluster cannot be asked.
    func lease(_ key: String, ttl: Duration) async throws -> String
    /// Who holds each lease (nil: nobody), in the order asked.
    func holders(_ keys: [String]) async throws -> [String?]
    /// Lets go of a lease this instance holds (nothing if another holds it).
    func releaseLease(_ key: String) async
    /// Sends `body` to one instance's handler for `topic` and waits for its reply.
    /// Throws ``ClusterError/unreachable`` when no reply comes within `timeout`.
    func request(_ instance: String, topic: String, _ body: [UInt8], timeout: Duration) async throws -> [UInt8]
    /// Installs the handler that answers requests on `topic` (at boot, before serving).
    func handle(topic: String, _ handler: @escaping @Sendable (_ body: [UInt8]) async -> [UInt8])
    /// Which of these instances are still connected to the cluster.
    func liveInstances(_ ids: Set<String>) async -> Set<String>
    /// Every instance connected to the cluster now, this one included.
    /// Throws ``ClusterError/unreachable`` when the cluster cannot be asked.
    func instances() async throws -> Set<String>
}

/// Why a cluster operation could not be done.
public enum ClusterError: Error, Equatable, CustomStringConvertible {
    /// The cluster (Redis) or the instance asked did not answer in time.
    case unreachable(String)

    public var description: String {
        switch self {
        case .unreachable(let what): "unreachable: \(what)"
        }
    }
}

/// The cluster of one: every lease is free to take and this instance's once asked for (it
/// keeps none), and there is nobody to ask.
public final class SoloCluster: Cluster {
    public let instanceId: String
    public var isDistributed: Bool { false }

    public init(instanceId: String = "solo") {
        self.instanceId = instanceId
    }

    public func lease(_ key: String, ttl: Duration) async throws -> String { instanceId }
    public func holders(_ keys: [String]) async throws -> [String?] { keys.map { _ in nil } }
    public func releaseLease(_ key: String) async {}
    public func request(_ instance: String, topic: String, _ body: [UInt8], timeout: Duration) async throws -> [UInt8] {
        throw ClusterError.unreachable("instance \(instance) (this server runs alone)")
    }
    public func handle(topic: String, _ handler: @escaping @Sendable ([UInt8]) async -> [UInt8]) {}
    public func liveInstances(_ ids: Set<String>) async -> Set<String> { ids.filter { $0 == instanceId } }
    public func instances() async throws -> Set<String> { [instanceId] }
}
