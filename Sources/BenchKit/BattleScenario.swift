import Foundation
import Histogram
import NIOCore
import NIOPosix

/// `battle`: the product path. Two agents and public battles are created through the HTTP API;
/// N anonymous spectators join every battle; then the agents connect with their keys, join,
/// and play as fast as the server lets them, battle after battle, until the last battle ends
/// or the duration is up. Every accepted turn is persisted, broadcast, commented on, and should
/// reach every spectator; afterwards the battles' snapshots must hold exactly those turns.
///
/// Unlike `fanout` nothing here is shaped by the load generator: the server decides the pace
/// (turn order, rate limit, countdown, commentary), so the numbers are the product's.
public struct BattleScenario: Sendable {
    public var spectators: Int
    /// Rounds per battle (each agent takes one turn per round); the server caps it.
    public var rounds: Int
    /// Battles played back to back: one battle has at most rounds × 2 turns.
    public var battles: Int
    public var duration: Duration
    /// Size of each turn's content.
    public var contentBytes: Int
    /// After the play, how long to wait for the next turn still on its way before counting the
    /// rest as lost.
    public var drain: Duration = .seconds(2)
    /// How long the agents wait, once both have joined, for the first `battle:your_turn`
    /// (the countdown, plus slack).
    public var startTimeout: Duration = .seconds(60)

    public init(spectators: Int, rounds: Int, battles: Int = 1, duration: Duration, contentBytes: Int = 200) {
        self.spectators = spectators
        self.rounds = rounds
        self.battles = battles
        self.duration = duration
        self.contentBytes = contentBytes
    }

    public func run(_ settings: BenchSettings) async throws -> BattleReport {
        guard spectators >= 1, rounds >= 1, battles >= 1 else { throw BenchError("--spectators, --rounds and --battles must be at least 1") }
        guard contentBytes >= 64 else { throw BenchError("--content-bytes must be at least 64 (the markers take ~45)") }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, settings.threads))
        // The agents get a thread of their own: on a spectators' loop an agent's next
        // `battle:your_turn` would wait behind thousands of spectator reads, and the generator,
        // not the server, would set the pace.
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
    ) async throws -> BattleReport {
        let http = HTTPJSONClient(target: settings.target, group: group)
        let setup = try await BattleSetup.create(http: http, rounds: rounds, battles: battles)

        let table = try await LoopStatsTable(groups: [group, agentGroup])
        var options = try settings.dialerOptions(join: false)
        options.joins = setup.battleIds
        options.role = .spectator
        let opened = try await Dialer(group: group, table: table, options: options).open(
            count: spectators, concurrency: settings.concurrency, maxFailures: 1
        )
        var channels = opened.channels
        guard opened.failures == 0 else {
            await closeAll(channels, table: table, group: group)
            throw BenchError("\(opened.failures) spectators failed to join: \(opened.firstError ?? "")")
        }

        let matchLoop = agentGroup.next()
        let match = BattleMatch(loop: matchLoop, battleIds: setup.battleIds, contentBytes: contentBytes, duration: duration.nanoseconds)
        match.beginWindow = { start, end in table.setWindow(start: start, end: end, on: matchLoop) }
        do {
            for (index, agent) in setup.agents.enumerated() {
                let player = BattlePlayer(match: match, agentId: agent.id)
                try await matchLoop.submit { match.add(player) }.get()
                var agentOptions = options
                agentOptions.joins = [setup.battleIds[0]]
                agentOptions.token = agent.apiKey
                agentOptions.role = .agent(player)
                let channel = try await Dialer(group: agentGroup, table: table, options: agentOptions)
                    .open(on: matchLoop, index: spectators + index)
                    .map { channel in
                        player.channel = channel
                        return channel
                    }.get()
                channels.append(channel)
            }
        } catch {
            await closeAll(channels, table: table, group: group)
            throw BenchError("an agent failed to connect and join: \(error)")
        }

        // Play: until every battle ended or the duration is up (the agents stop submitting
        // then and wait for their last answer).
        let joinedAt = monotonicNow()
        var progress = try await matchLoop.submit { match.poll() }.get()
        while !progress.finished {
            if !progress.started && monotonicNow() - joinedAt > startTimeout.nanoseconds {
                await closeAll(channels, table: table, group: group)
                throw BenchError("no battle:your_turn within \(startTimeout) after both agents joined")
            }
            if progress.started && monotonicNow() > progress.stopAt &+ 30_000_000_000 {
                // The server stopped answering a submission: give up on it.
                try await matchLoop.submit { match.stop() }.get()
                break
            }
            try await Task.sleep(for: .milliseconds(10))
            progress = try await matchLoop.submit { match.poll() }.get()
        }
        let played = try await matchLoop.submit { PlayedMatch(match) }.get()

        // Let the turns in flight arrive, so lost turns are real losses: wait while they keep
        // coming, until `drain` passes without one.
        let expected = UInt64(played.accepted.count) * UInt64(spectators)
        let drainCap = monotonicNow() + 120_000_000_000
        var summary = try await table.spectatorSummary(acceptedTurns: UInt64(played.accepted.count), endedBattles: played.endReasons.count)
        var lastProgress = monotonicNow()
        var lastCount = (summary.turns, summary.sawEveryEnd)
        while (summary.turns < expected || summary.sawEveryEnd < spectators) && monotonicNow() - lastProgress < drain.nanoseconds
            && monotonicNow() < drainCap
        {
            try await Task.sleep(for: .milliseconds(20))
            summary = try await table.spectatorSummary(acceptedTurns: UInt64(played.accepted.count), endedBattles: played.endReasons.count)
            if (summary.turns, summary.sawEveryEnd) != lastCount {
                lastCount = (summary.turns, summary.sawEveryEnd)
                lastProgress = monotonicNow()
            }
        }
        let stats = try await table.merged()
        await closeAll(channels, table: table, group: group)

        let persistence = try await BattleSetup.verify(
            http: http, battleIds: Array(setup.battleIds.prefix(played.battlesPlayed)), accepted: played.accepted)

        let playSeconds = Double(played.playNanoseconds) / 1e9
        let deliverySeconds = played.windowStart.map { stats.lastEventAt > $0 ? Double(stats.lastEventAt - $0) / 1e9 : 0 } ?? 0
        let events = stats.battleEvents.reduce(0, +)
        let turns = stats.battleEvents[BattleEventName.turnIndex]
        var byName: [String: UInt64] = [:]
        for (i, count) in stats.battleEvents.enumerated() where count > 0 {
            byName[i < BattleEventName.otherIndex ? BattleEventName.allCases[i].rawValue : "other"] = count
        }
        return BattleReport(
            target: settings.target.description,
            spectators: spectators,
            rounds: rounds,
            battles: battles,
            battleIds: setup.battleIds,
            battlesPlayed: played.battlesPlayed,
            endReasons: played.endReasons,
            endedBy: played.endedBy,
            contentBytes: contentBytes,
            threads: settings.threads,
            durationSeconds: Double(duration.nanoseconds) / 1e9,
            playSeconds: (playSeconds * 1000).rounded() / 1000,
            betweenBattlesSeconds: (Double(played.betweenBattles) / 1e6).rounded() / 1000,
            turnsSubmitted: played.submitted,
            turnsAccepted: played.accepted.count,
            turnsPerSecond: playSeconds > 0 ? (Double(played.accepted.count) / playSeconds * 10).rounded() / 10 : 0,
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
            spectatorsSawEveryEnd: summary.sawEveryEnd,
            persistedTurns: persistence.persistedTurns,
            allTurnsPersisted: persistence.matches,
            errorEvents: stats.errorEvents,
            unexpectedCloses: stats.unexpectedCloses,
            connectSeconds: Double(opened.elapsedNanoseconds) / 1e9
        )
    }
}

/// What the match did, copied off its loop once the play is over.
struct PlayedMatch: Sendable {
    var accepted: [BattleMatch.Accepted]
    var submitted: UInt64
    var rateLimited: UInt64
    var submitErrors: UInt64
    var firstError: String?
    var acceptLatency: Histogram<UInt64>
    var endReasons: [String]
    var battlesPlayed: Int
    var windowStart: UInt64?
    var playNanoseconds: UInt64
    var betweenBattles: UInt64
    var endedBy: String

    init(_ match: BattleMatch) {
        accepted = match.accepted
        submitted = match.submitted
        rateLimited = match.rateLimited
        submitErrors = match.submitErrors
        firstError = match.firstError
        acceptLatency = match.acceptLatency
        endReasons = match.ended.map(\.reason)
        battlesPlayed = match.windowStart == nil ? 0 : match.battleIndex + 1
        windowStart = match.windowStart
        playNanoseconds = match.playNanoseconds
        betweenBattles = match.betweenBattles
        endedBy = match.endedBy
    }
}

/// The HTTP side of the battle scenario: the agents and battles it plays with, and the check
/// that what was accepted was stored.
enum BattleSetup {
    struct Created {
        var agents: [CreatedAgent]
        var battleIds: [String]
    }

    /// Two fresh agents (unique names per run) and `battles` public battles between them,
    /// created by the first. Creating agents needs no key (CONTRACT.md §3).
    static func create(http: HTTPJSONClient, rounds: Int, battles: Int) async throws -> Created {
        let run = String(UInt64.random(in: 0..<(1 << 40)), radix: 36)
        var agents: [CreatedAgent] = []
        for side in ["a", "b"] {
            agents.append(
                try await http.send(
                    .POST, "/api/v1/agents", body: CreateAgentRequest(name: "bench-\(run)-\(side)"), expecting: 201, as: CreatedAgent.self
                ))
        }
        var battleIds: [String] = []
        for index in 0..<battles {
            let battle = try await http.send(
                .POST, "/api/v1/battles",
                body: CreateBattleRequest(opponentId: agents[1].id, title: "bench \(run) #\(index + 1)", rounds: rounds),
                bearer: agents[0].apiKey, expecting: 201, as: BattleSnapshot.self
            )
            battleIds.append(battle.id)
        }
        return Created(agents: agents, battleIds: battleIds)
    }

    struct Persistence {
        var persistedTurns: Int
        var matches: Bool
    }

    /// Reads the played battles' turns (a page at a time: a snapshot carries only the newest):
    /// every accepted turn must be there under its turnId, in its battle, with the content that
    /// carried its number; and nothing else.
    static func verify(http: HTTPJSONClient, battleIds: [String], accepted: [BattleMatch.Accepted]) async throws -> Persistence {
        var stored: [String: (battleId: String, content: String)] = [:]
        for battleId in battleIds {
            var from = 0
            while true {
                let page = try await http.get("/api/v1/battles/\(battleId)/turns?from=\(from)&limit=100", as: BattleTurnsPage.self)
                for turn in page.turns { stored[turn.turnId] = (battleId, turn.content) }
                from = page.turnsFrom + page.turns.count
                if page.turns.isEmpty || from >= page.turnsTotal { break }
            }
        }
        let matches =
            stored.count == accepted.count
            && accepted.allSatisfy { turn in
                guard let found = stored[turn.turnId], found.battleId == turn.battleId else { return false }
                return found.content.utf8.starts(with: BattleTurnContent.nKey + Array("\(turn.n) ".utf8))
            }
        return Persistence(persistedTurns: stored.count, matches: matches)
    }
}
