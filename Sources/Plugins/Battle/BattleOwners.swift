import Foundation
import NIOConcurrencyHelpers
import Runtime
import SocketIOProtocol

/// Which battles this instance runs, and the way to run something on one. Exactly one instance
/// of the cluster owns a battle at a time: it holds the battle's lease (``Cluster``) and its
/// fencing token (the `fence` column, checked by every write of the owner). A battle is owned
/// where it is first needed and kept until it is over and its room is empty, or until another
/// instance holds its lease (this one was paused or cut off past the lease's time).
///
/// Plugins run their rules on a local owner with ``run(_:_:)``; a client's input for a battle
/// (``BattleInput``) goes through ``send(_:)``, which runs it here or carries it to the owner.
public final class BattleOwners: Sendable {
    /// Where a battle's owner is.
    enum Location {
        case here(BattleOwner)
        case elsewhere(instance: String)
    }

    let store: BattleStore
    let services: RuntimeServices
    let presenceInterval: Duration
    /// How long a lease lasts unless renewed; the supervisor renews every ``BattleSupervisor``
    /// tick, and another instance takes a battle over at most this long after its owner died.
    let leaseTTL: Duration
    private let conclusion: Contributions<any BattleConclusion>
    private let inputs: Contributions<BattleInputHandler>
    private let takeovers: Contributions<BattleTakeover>
    private let owners = NIOLockedValueBox<[String: BattleOwner]>([:])
    private let acquiring = NIOLockedValueBox<[String: Task<Location, any Error>]>([:])
    /// When each owned battle's lease runs out unless renewed (monotonic: a paused process sees
    /// its leases expired when it resumes).
    private let leaseExpiry = NIOLockedValueBox<[String: ContinuousClock.Instant]>([:])
    /// The last presence of each owned battle, for the lobby's list (read without the owners).
    private let presence = NIOLockedValueBox<[String: LobbyPresence]>([:])
    private let onStatusChange: @Sendable () -> Void

    static let forwardTopic = "battle.input"
    /// How long a forwarded input waits for the owner's answer before BATTLE_UNAVAILABLE.
    static let forwardTimeout: Duration = .seconds(5)

    init(
        store: BattleStore, services: RuntimeServices, presenceInterval: Duration, leaseTTL: Duration,
        conclusion: Contributions<any BattleConclusion>, inputs: Contributions<BattleInputHandler>,
        takeovers: Contributions<BattleTakeover>, onStatusChange: @escaping @Sendable () -> Void
    ) {
        self.store = store
        self.services = services
        self.presenceInterval = presenceInterval
        self.leaseTTL = leaseTTL
        self.conclusion = conclusion
        self.inputs = inputs
        self.takeovers = takeovers
        self.onStatusChange = onStatusChange
        services.cluster.handle(topic: Self.forwardTopic) { [weak self] body in
            guard let self else { return [] }
            return await self.answer(body)
        }
        handleLobbyPresenceRequests()
    }

    var cluster: any Cluster { services.cluster }

    static func leaseKey(_ battleId: String) -> String { "battle:\(battleId)" }

    // MARK: Running on the owner

    /// Runs `body` on the battle's owner, isolated to it: a transition of the battle's rules and
    /// the writes and broadcasts it leads to, with no other input of the battle in between.
    /// Throws BATTLE_NOT_FOUND for an unknown battle, BATTLE_UNAVAILABLE when another instance
    /// owns it (only the owner runs a battle's rules).
    @discardableResult
    public func run<R: Sendable>(_ battleId: String, _ body: @Sendable (isolated BattleOwner) throws -> R) async throws -> R {
        while true {
            guard case .here(let owner) = try await locate(battleId) else { throw ArenaError.battleUnavailable(battleId) }
            if let result = try await owner.ifHeld(body) { return result }
            // Released between locating and running: the next locate acquires it afresh.
        }
    }

    /// Waits for the steps this instance's owner of the battle is running, if it has one, to end
    /// and send their announcements (see ``BattleOwner/settle()``).
    func settle(_ battleId: String) async {
        guard let owner = owners.withLockedValue({ $0[battleId] }) else { return }
        await owner.settle()
    }

    /// Runs a client's input on the battle's owner, here or on the instance that owns it, and
    /// returns its reply or throws its error as the owner raised it.
    public func send<Input: BattleInput>(_ input: Input) async throws -> Input.Reply {
        guard let handler = inputs.all.first(where: { $0.topic == Input.topic }) else {
            throw ArenaError(.internalError, "no handler for \(Input.topic)", status: .internalServerError)
        }
        for _ in 0..<3 {
            switch try await locate(input.battleId) {
            case .here:
                return try await handler.runTyped(input)
            case .elsewhere(let instance):
                let request = ForwardedInput(
                    topic: Input.topic, battleId: input.battleId, body: String(decoding: try ArenaJSON.encode(input), as: UTF8.self))
                let answer: [UInt8]
                do {
                    answer = try await cluster.request(
                        instance, topic: Self.forwardTopic, try ArenaJSON.encode(request), timeout: Self.forwardTimeout)
                } catch {
                    services.logger.notice(
                        "the owner of a battle did not answer",
                        metadata: ["battle": "\(input.battleId)", "instance": "\(instance)", "error": "\(error)"])
                    throw ArenaError.battleUnavailable(input.battleId)
                }
                let reply = try ArenaJSON.decode(ForwardedReply.self, from: try JSONParser.parse(answer))
                if let error = reply.error { throw error.arenaError }
                if let body = reply.body { return try ArenaJSON.decode(Input.Reply.self, from: try JSONParser.parse(body)) }
            // notOwner: it let go meanwhile; locate again.
            }
        }
        throw ArenaError.battleUnavailable(input.battleId)
    }

    /// A forwarded input, on the instance asked to run it.
    private func answer(_ body: [UInt8]) async -> [UInt8] {
        var reply = ForwardedReply()
        do {
            let request = try ArenaJSON.decode(ForwardedInput.self, from: try JSONParser.parse(body))
            guard let handler = inputs.all.first(where: { $0.topic == request.topic }) else {
                throw ArenaError(.internalError, "no handler for \(request.topic)", status: .internalServerError)
            }
            if case .here = try await locate(request.battleId) {
                reply.body = String(decoding: try await handler.run(Array(request.body.utf8)), as: UTF8.self)
            } else {
                reply.notOwner = true
            }
        } catch let error as ArenaError {
            reply.error = ForwardedError(error)
        } catch {
            services.logger.error("a forwarded battle input failed", metadata: ["error": "\(error)"])
            reply.error = ForwardedError(ArenaError.answering(error))
        }
        return (try? ArenaJSON.encode(reply)) ?? []
    }

    // MARK: Owning

    /// The battle's owner: this instance's (taking the lease when it is free), or another's.
    func locate(_ battleId: String) async throws -> Location {
        if let owner = owners.withLockedValue({ $0[battleId] }) {
            return try await confirm(owner)
        }
        let (task, mine) = acquiring.withLockedValue { all -> (Task<Location, any Error>, Bool) in
            if let running = all[battleId] { return (running, false) }
            let task = Task { try await self.take(battleId) }
            all[battleId] = task
            return (task, true)
        }
        guard mine else { return try await task.value }
        let location: Location
        do {
            location = try await task.value
            acquiring.withLockedValue { _ = $0.removeValue(forKey: battleId) }
        } catch {
            acquiring.withLockedValue { _ = $0.removeValue(forKey: battleId) }
            throw error
        }
        if case .here = location {
            // The battle may have been under way elsewhere (or before a restart): each plugin
            // re-arms its timers from what was persisted.
            for takeover in takeovers.all { await takeover.resume(battleId) }
        }
        return location
    }

    /// Takes the battle's lease, then its fence, then makes its owner.
    private func take(_ battleId: String) async throws -> Location {
        guard try store.battle(battleId) != nil else { throw ArenaError.battleNotFound(battleId) }
        let asked = ContinuousClock.now
        let holder: String
        do {
            holder = try await cluster.lease(Self.leaseKey(battleId), ttl: leaseTTL)
        } catch {
            services.logger.warning("no lease for a battle: the cluster is unreachable", metadata: ["battle": "\(battleId)", "error": "\(error)"])
            throw ArenaError.battleUnavailable(battleId)
        }
        guard holder == cluster.instanceId else { return .elsewhere(instance: holder) }
        guard let (battle, fence) = try store.takeFence(battleId) else { throw ArenaError.battleNotFound(battleId) }
        let owner = BattleOwner(battle: battle, fence: fence, owners: self, conclusion: conclusion.one)
        leaseExpiry.withLockedValue { $0[battleId] = asked + leaseTTL }
        let count = owners.withLockedValue { all in
            all[battleId] = owner
            return all.count
        }
        services.metrics.gauge("moltarena_battles_owned", [:]).record(count)
        if BattleSupervisor.running.contains(battle.status) {
            services.metrics.counter("moltarena_battle_takeovers_total", [:]).increment()
        }
        if cluster.isDistributed {
            services.logger.info("this instance runs the battle now", metadata: ["battle": "\(battleId)", "fence": "\(fence)"])
        }
        return .here(owner)
    }

    /// In a cluster, an owner checks before it acts that it still holds the battle's fence (one
    /// indexed read): after Redis lost its leases (a restart) another instance may have taken
    /// the battle while this one's lease looked valid, and a stale owner must not even answer
    /// from its memory. An owner whose lease ran out (the process was paused) also asks the
    /// cluster again. Either way, if another instance runs the battle now, this one lets it go.
    private func confirm(_ owner: BattleOwner) async throws -> Location {
        guard cluster.isDistributed else { return .here(owner) }
        if try store.fence(owner.battleId) != owner.fence {
            services.logger.warning("another instance took the battle's fence: letting it go", metadata: ["battle": "\(owner.battleId)"])
            await owner.lose()
            return try await locate(owner.battleId)
        }
        guard let expiry = leaseExpiry.withLockedValue({ $0[owner.battleId] }), expiry <= .now else { return .here(owner) }
        return await renew(owner) ? .here(owner) : try await locate(owner.battleId)
    }

    /// Extends the owner's lease; false when another instance holds it (the owner is let go).
    /// While the cluster cannot be asked the owner keeps running: its fence guards the database.
    @discardableResult
    func renew(_ owner: BattleOwner) async -> Bool {
        let asked = ContinuousClock.now
        do {
            let holder = try await cluster.lease(Self.leaseKey(owner.battleId), ttl: leaseTTL)
            if holder == cluster.instanceId {
                leaseExpiry.withLockedValue { $0[owner.battleId] = asked + leaseTTL }
                return true
            }
            services.logger.warning(
                "another instance holds a battle's lease: letting it go", metadata: ["battle": "\(owner.battleId)", "holder": "\(holder)"])
            await owner.lose()
            return false
        } catch {
            return true
        }
    }

    /// The battles this instance owns now.
    public var owned: [String] { owners.withLockedValue { Array($0.keys) } }

    var ownersNow: [BattleOwner] { owners.withLockedValue { Array($0.values) } }

    func release(_ owner: BattleOwner, finished: Bool) {
        let remaining = owners.withLockedValue { all -> Int? in
            guard all[owner.battleId] === owner else { return nil }
            all.removeValue(forKey: owner.battleId)
            return all.count
        }
        guard let remaining else { return }
        services.metrics.gauge("moltarena_battles_owned", [:]).record(remaining)
        _ = presence.withLockedValue { $0.removeValue(forKey: owner.battleId) }
        _ = leaseExpiry.withLockedValue { $0.removeValue(forKey: owner.battleId) }
        if finished {
            let cluster = self.cluster
            Task { await cluster.releaseLease(Self.leaseKey(owner.battleId)) }
        }
    }

    /// Records a battle's presence as its owner announced it.
    func presenceChanged(_ battleId: String, _ value: LobbyPresence) {
        presence.withLockedValue { $0[battleId] = value }
    }

    /// A battle's presence for the lobby if its owner runs here.
    func ownedPresence(of battleId: String) -> LobbyPresence? {
        presence.withLockedValue { $0[battleId] }
    }

    func statusChanged() { onStatusChange() }
}
