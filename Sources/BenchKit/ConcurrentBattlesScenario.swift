import Foundation
import Histogram
import NIOCore
import NIOPosix

/// `battle --concurrent-battles K`: K battles at the same time, each between its own two agents
/// and watched by its own N spectators (K × N + 2K connections). The agents play as fast as the
/// server allows, or one submission per battle every `turnInterval`; every accepted turn should
/// reach every spectator of its battle and be in its battle's log afterwards.
///
/// Where the sequential scenario measures how fast one battle can go, this one measures how
/// many battles one server carries: the total turns/s, and the latency each turn sees at a
/// given number of battles.
public struct ConcurrentBattlesScenario: Sendable {
    public var battles: Int
    public var spectatorsPerBattle: Int
    /// Rounds per battle (two turns each); the server allows at most 50.
    public var rounds: Int
    public var duration: Duration
    /// At least this long between two submissions of one battle; nil: as fast as the server allows.
    public var turnInterval: Duration?
    public var contentBytes: Int
    /// The server's process (same machine): its CPU time over the measured window, per turn.
    public var serverPid: Int32?
    /// HTTP requests of the setup and the log check at once.
    public var httpParallel = 8
    /// After the play, how long to wait for the next turn still on its way before counting the
    /// rest as lost.
    public var drain: Duration = .seconds(2)
    /// How long every battle may take to offer its first turn once its agents have joined.
    public var startTimeout: Duration = .seconds(60)

    public init(
        battles: Int, spectatorsPerBattle: Int, rounds: Int, duration: Duration, turnInterval: Duration? = nil, contentBytes: Int = 200
    ) {
        self.battles = battles
        self.spectatorsPerBattle = spectatorsPerBattle
        self.rounds = rounds
        self.duration = duration
        self.turnInterval = turnInterval
        self.contentBytes = contentBytes
    }

    public func run(_ settings: BenchSettings) async throws -> ConcurrentBattlesReport {
        guard battles >= 1, spectatorsPerBattle >= 1, rounds >= 1 else {
            throw BenchError("--concurrent-battles, --spectators and --rounds must be at least 1")
        }
        guard contentBytes >= 64 else { throw BenchError("--content-bytes must be at least 64 (the markers take ~45)") }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, settings.threads))
        // The agents get a thread of their own, as in the sequential scenario: their offers must
        // not wait behind the spectators' reads.
        let agentGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let report = try await run(settings, group: group, agentGroup: agentGroup)
            try? await group.shutdownGracefully()
            try? await agentGroup.shutdownGracefully()
            return report
        } catch {
            try? await group.shutdownGracefully()
            try? await agentGroup.shutdownGracefully()
            throw error
        }
    }

    private func run(
        _ settings: BenchSettings, group: MultiThreadedEventLoopGroup, agentGroup: MultiThreadedEventLoopGroup
    ) async throws -> ConcurrentBattlesReport {
        let http = HTTPJSONClient(target: settings.target, group: group)
        let setupStart = monotonicNow()
        let pairs = try await ConcurrentBattleSetup.create(http: http, battles: battles, rounds: rounds, parallel: httpParallel)
        let setupSeconds = Double(monotonicNow() - setupStart) / 1e9
        let battleIds = pairs.map(\.battleId)

        // Spectators first, each joined to its own battle: battle i has connections
        // i × N ..< (i + 1) × N.
        let table = try await LoopStatsTable(groups: [group, agentGroup])
        var options = try settings.dialerOptions(join: false)
        options.role = .spectator
        let perBattle = spectatorsPerBattle
        options.watching = { index in (index / perBattle, battleIds[index / perBattle]) }
        let opened = try await Dialer(group: group, table: table, options: options).open(
            count: battles * spectatorsPerBattle, concurrency: settings.concurrency, maxFailures: 1
        )
        var channels = opened.channels
        guard opened.failures == 0 else {
            await closeAll(channels, table: table, group: group)
            throw BenchError("\(opened.failures) spectators failed to join: \(opened.firstError ?? "")")
        }

        // Then the agents, `concurrency` at a time; each battle starts as its second agent joins,
        // and its first offer is held until every battle has one.
        let loop = agentGroup.next()
        let play = ConcurrentPlay(
            loop: loop, contentBytes: contentBytes, duration: duration.nanoseconds, turnInterval: turnInterval?.nanoseconds)
        let agents = try await loop.submit {
            pairs.map { pair in
                let battle = play.add(battleId: pair.battleId)
                return pair.keys.map { key in (key, battle.addAgent()) }
            }.flatMap { $0 }
        }.get()
        let agentsStart = monotonicNow()
        do {
            var next = 0
            while next < agents.count {
                let chunk = agents[next..<min(next + settings.concurrency, agents.count)]
                let base = battles * spectatorsPerBattle + next
                let futures = chunk.enumerated().map { offset, entry in
                    var agentOptions = options
                    agentOptions.watching = nil
                    agentOptions.joins = [entry.1.battle.battleId]
                    agentOptions.token = entry.0
                    agentOptions.role = .agent(entry.1)
                    let agent = entry.1
                    return Dialer(group: agentGroup, table: table, options: agentOptions).open(on: loop, index: base + offset)
                        .map { channel in
                            agent.channel = channel
                            return channel
                        }
                }
                for future in futures { channels.append(try await future.get()) }
                next += chunk.count
            }
        } catch {
            await closeAll(channels, table: table, group: group)
            throw BenchError("an agent failed to connect and join: \(error)")
        }
        let agentsSeconds = Double(monotonicNow() - agentsStart) / 1e9

        // Wait until every battle has offered its first turn, then open the window everywhere
        // and release the held offers.
        let joinedAt = monotonicNow()
        func everyBattleOffered() async throws -> Bool {
            try await loop.submit { play.battles.allSatisfy { $0.agents.contains(where: \.hasOffer) } }.get()
        }
        while !(try await everyBattleOffered()) {
            if monotonicNow() - joinedAt > startTimeout.nanoseconds {
                await closeAll(channels, table: table, group: group)
                throw BenchError("not every battle offered a first turn within \(startTimeout) after its agents joined")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let cpuAtStart = serverPid.flatMap(ProcessCPU.seconds(pid:))
        let start = monotonicNow()
        try await table.setWindow(start: start, end: start + duration.nanoseconds, on: loop).get()
        try await loop.submit { play.begin(at: start) }.get()

        var progress = try await loop.submit { play.poll() }.get()
        while !progress.finished {
            if monotonicNow() > start + duration.nanoseconds + 30_000_000_000 {
                // The server stopped answering a submission: give up on it.
                try await loop.submit { play.stop() }.get()
                break
            }
            try await Task.sleep(for: .milliseconds(10))
            progress = try await loop.submit { play.poll() }.get()
        }
        let played = try await loop.submit { PlayedConcurrently(play) }.get()

        // Let the turns in flight arrive (as the sequential scenario does).
        let acceptedByBattle = played.battles.map { UInt64($0.accepted.count) }
        let endedByBattle = played.battles.map { $0.endReason == nil ? 0 : 1 }
        let spectators = battles * spectatorsPerBattle
        let expected = acceptedByBattle.reduce(0, +) * UInt64(spectatorsPerBattle)
        let drainCap = monotonicNow() + 120_000_000_000
        var summary = try await table.spectatorSummary(acceptedByBattle: acceptedByBattle, endedByBattle: endedByBattle)
        var lastProgress = monotonicNow()
        var lastCount = (summary.turns, summary.sawEveryEnd)
        while (summary.turns < expected || summary.sawEveryEnd < spectators) && monotonicNow() - lastProgress < drain.nanoseconds
            && monotonicNow() < drainCap
        {
            try await Task.sleep(for: .milliseconds(20))
            summary = try await table.spectatorSummary(acceptedByBattle: acceptedByBattle, endedByBattle: endedByBattle)
            if (summary.turns, summary.sawEveryEnd) != lastCount {
                lastCount = (summary.turns, summary.sawEveryEnd)
                lastProgress = monotonicNow()
            }
        }
        // The window's CPU ends here: every turn delivered (or given up on), nothing closed yet.
        let cpuAtEnd = serverPid.flatMap(ProcessCPU.seconds(pid:))
        let stats = try await table.merged()
        await closeAll(channels, table: table, group: group)

        let persistence = try await ConcurrentBattleSetup.verify(
            http: http, battles: played.battles.map { ($0.battleId, $0.accepted) }, parallel: httpParallel)

        let accepted = played.battles.map(\.accepted.count).reduce(0, +)
        let playSeconds = Double(played.playNanoseconds) / 1e9
        let deliverySeconds = stats.lastEventAt > start ? Double(stats.lastEventAt - start) / 1e9 : 0
        let events = stats.battleEvents.reduce(0, +)
        let turns = stats.battleEvents[BattleEventName.turnIndex]
        var byName: [String: UInt64] = [:]
        for (i, count) in stats.battleEvents.enumerated() where count > 0 {
            byName[i < BattleEventName.otherIndex ? BattleEventName.allCases[i].rawValue : "other"] = count
        }
        func per(_ count: Double, _ seconds: Double) -> Double { seconds > 0 ? (count / seconds * 10).rounded() / 10 : 0 }
        let serverCpu = cpuAtStart.flatMap { before in cpuAtEnd.map { ($0 - before) } }
        return ConcurrentBattlesReport(
            target: settings.target.description,
            battles: battles,
            spectatorsPerBattle: spectatorsPerBattle,
            connections: spectators + 2 * battles,
            rounds: rounds,
            pacing: turnInterval == nil ? "fast" : "interval",
            turnIntervalSeconds: turnInterval.map { Double($0.nanoseconds) / 1e9 },
            endedBy: played.gaveUp ? "stalled" : played.battles.allSatisfy { $0.endReason != nil } ? "battles" : "duration",
            battlesEnded: endedByBattle.reduce(0, +),
            contentBytes: contentBytes,
            threads: settings.threads,
            durationSeconds: Double(duration.nanoseconds) / 1e9,
            playSeconds: (playSeconds * 1000).rounded() / 1000,
            turnsSubmitted: played.submitted,
            turnsAccepted: accepted,
            turnsPerSecond: per(Double(accepted), playSeconds),
            turnsPerBattlePerSecond: per(Double(accepted) / Double(battles), playSeconds),
            rateLimited: played.rateLimited,
            submitErrors: played.submitErrors,
            firstError: played.firstError,
            acceptLatency: LatencyReport(played.acceptLatency),
            turnLatency: LatencyReport(stats.latency),
            deliverySeconds: (deliverySeconds * 1000).rounded() / 1000,
            spectatorEvents: events,
            spectatorEventsPerSecond: deliverySeconds > 0 ? (Double(events) / deliverySeconds).rounded() : 0,
            spectatorTurns: turns,
            spectatorTurnsPerSecond: deliverySeconds > 0 ? (Double(turns) / deliverySeconds).rounded() : 0,
            eventsByName: byName,
            lostTurns: summary.missingTurns,
            spectatorsMissingTurns: summary.spectatorsMissingTurns + (spectators - summary.spectators),
            outOfOrderTurns: summary.outOfOrder,
            spectatorsSawTheirEnd: summary.sawEveryEnd,
            persistedTurns: persistence.persistedTurns,
            battlesPersisted: persistence.battlesMatching,
            allTurnsPersisted: persistence.battlesMatching == battles,
            errorEvents: stats.errorEvents,
            unexpectedCloses: stats.unexpectedCloses,
            serverCpuSecondsInWindow: serverCpu.map { ($0 * 1000).rounded() / 1000 },
            serverCpuMsPerTurn: serverCpu.flatMap { accepted > 0 ? ($0 * 1e6 / Double(accepted)).rounded() / 1000 : nil },
            setupSeconds: (setupSeconds * 1000).rounded() / 1000,
            spectatorsConnectSeconds: Double(opened.elapsedNanoseconds) / 1e9,
            agentsConnectSeconds: (agentsSeconds * 1000).rounded() / 1000
        )
    }
}

/// What the concurrent play did, copied off its loop once it is over.
struct PlayedConcurrently: Sendable {
    struct Battle: Sendable {
        var battleId: String
        var accepted: [BattleMatch.Accepted]
        var endReason: String?
    }

    var battles: [Battle]
    var submitted: UInt64
    var rateLimited: UInt64
    var submitErrors: UInt64
    var firstError: String?
    var acceptLatency: Histogram<UInt64>
    var playNanoseconds: UInt64
    var gaveUp: Bool

    init(_ play: ConcurrentPlay) {
        battles = play.battles.map { Battle(battleId: $0.battleId, accepted: $0.accepted, endReason: $0.endReason) }
        submitted = play.submitted
        rateLimited = play.rateLimited
        submitErrors = play.submitErrors
        firstError = play.firstError
        acceptLatency = play.acceptLatency
        playNanoseconds = play.playNanoseconds
        gaveUp = play.gaveUp
    }
}
