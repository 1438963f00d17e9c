import Foundation

/// A scenario's result: JSON for scripts (`--json`), a table for people.
public protocol BenchReport: Encodable, Sendable {
    var table: String { get }
}

extension BenchReport {
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }
}

func rows(_ title: String, _ pairs: [(String, String)]) -> String {
    let width = pairs.map(\.0.count).max() ?? 0
    return ([title] + pairs.map { "  " + $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }).joined(separator: "\n")
}

func grouped(_ value: Double) -> String {
    let whole = Int(value.rounded())
    let digits = String(abs(whole))
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (whole < 0 ? "-" : "") + out
}

public struct FanoutReport: BenchReport, Codable {
    public var scenario = "fanout"
    public var target: String
    /// "closed" (window) or "open" (rate).
    public var mode = "closed"
    public var window: Int?
    public var rate: Double?
    public var receivers: Int
    public var payloadBytes: Int
    public var threads: Int
    public var warmupSeconds: Double
    public var durationSeconds: Double
    /// Broadcasts sent during the measured window.
    public var broadcastsSent: UInt64
    public var broadcastsPerSecond: Double
    /// Closed loop: broadcasts that reached every receiver during the window.
    public var broadcastsCompleted: UInt64?
    /// Messages received during the window (receivers × broadcasts when nothing is lost).
    public var messagesDelivered: UInt64
    public var deliveredPerSecond: Double
    /// Over the whole run, messages sent to receivers that never arrived (after the drain).
    public var lostMessages: UInt64
    public var errorEvents: UInt64
    public var unexpectedCloses: UInt64
    /// Send to receive, per receiver, for broadcasts sent during the window.
    public var latency: LatencyReport
    public var connectSeconds: Double

    public var table: String {
        let load = mode == "closed" ? "closed loop, window \(window ?? 0)" : "open loop, \(grouped(rate ?? 0)) broadcasts/s"
        return rows(
            "fanout to \(receivers) receivers at \(target) (\(load))",
            [
                ("delivered", "\(grouped(deliveredPerSecond)) msgs/s"),
                ("broadcasts", "\(grouped(broadcastsPerSecond))/s (\(broadcastsSent) in \(durationSeconds) s after \(warmupSeconds) s warm-up)"),
                ("latency", latency.line),
                ("payload", "\(payloadBytes) bytes, \(threads) load thread(s)"),
                ("lost / errors / closes", "\(lostMessages) / \(errorEvents) / \(unexpectedCloses)"),
            ])
    }
}

public struct ConnectReport: BenchReport, Codable {
    public var scenario = "connect"
    public var target: String
    public var clients: Int
    public var concurrency: Int
    public var threads: Int
    /// Agents whose keys the clients sent in turn; 0: anonymous clients.
    public var agents: Int = 0
    /// Connections that were upgraded, CONNECTed and had their join acknowledged.
    public var joined: Int
    public var failures: Int
    public var firstError: String?
    public var elapsedSeconds: Double
    /// Connects + joins per second.
    public var joinsPerSecond: Double
    /// TCP connect to join ack, per connection.
    public var setupLatency: LatencyReport

    public var table: String {
        rows(
            "connect + join of \(clients) \(agents > 0 ? "clients with the keys of \(agents) agents" : "anonymous clients") at \(target), "
                + "\(concurrency) at a time on \(threads) thread\(threads == 1 ? "" : "s")",
            [
                ("rate", "\(grouped(joinsPerSecond)) connects+joins/s"),
                (
                    "joined",
                    "\(joined) in \(String(format: "%.3f", elapsedSeconds)) s, \(failures) failed\(firstError.map { " (first: \($0))" } ?? "")"
                ),
                ("setup latency", setupLatency.line),
            ])
    }
}

public struct IdleReport: BenchReport, Codable {
    public struct Sample: Codable, Sendable {
        public var connections: Int
        public var rssKiB: Int?
    }

    public struct HoldSample: Codable, Sendable {
        public var seconds: Double
        public var connections: Int
        public var rssKiB: Int?
    }

    public var scenario = "idle"
    public var target: String
    public var clients: Int
    public var serverPid: Int32?
    /// The battle the connections watch as spectators (`idle --battle`); nil: the bench room.
    public var battleId: String?
    /// Server RSS before any connection.
    public var baselineKiB: Int?
    public var checkpoints: [Sample] = []
    /// (RSS at the last checkpoint − baseline) / connections.
    public var kibPerConnection: Double?
    public var hold: [HoldSample] = []
    public var connected = 0
    public var failures = 0
    public var firstError: String?
    public var unexpectedCloses = 0

    init(target: String, clients: Int, serverPid: Int32?, baselineKiB: Int?) {
        self.target = target
        self.clients = clients
        self.serverPid = serverPid
        self.baselineKiB = baselineKiB
    }

    public var table: String {
        func kib(_ value: Int?) -> String { value.map { "\(grouped(Double($0))) KiB" } ?? "n/a (no --server-pid)" }
        var pairs: [(String, String)] = [
            ("per connection", kibPerConnection.map { "\($0) KiB" } ?? "n/a"),
            ("connected", "\(connected), \(failures) failed\(firstError.map { " (first: \($0))" } ?? ""), \(unexpectedCloses) closed by the server"),
            ("rss at 0", kib(baselineKiB)),
        ]
        pairs += checkpoints.map { ("rss at \($0.connections)", kib($0.rssKiB)) }
        pairs += hold.map { ("held \($0.seconds) s", "\($0.connections) open, rss \(kib($0.rssKiB))") }
        return rows("idle joined connections at \(target)", pairs)
    }
}

public struct BattleReport: BenchReport, Codable {
    public var scenario = "battle"
    public var target: String
    public var spectators: Int
    public var rounds: Int
    /// Battles created; they are played one after another (every spectator joined all of them).
    public var battles: Int
    public var battleIds: [String]
    /// Battles the agents reached (joined after the previous one ended).
    public var battlesPlayed: Int
    /// `battle:ended` reasons, per ended battle.
    public var endReasons: [String]
    /// "battles" when every battle ended, "duration" when the time was up first, "stalled" when
    /// a submission went unanswered for 30 s after it.
    public var endedBy: String
    /// Size of each turn's content.
    public var contentBytes: Int
    public var threads: Int
    /// The limit (--duration).
    public var durationSeconds: Double
    /// From the first submission to the last accepted turn.
    public var playSeconds: Double
    /// Part of `playSeconds` between a battle's last turn and the next battle's first offer.
    public var betweenBattlesSeconds: Double
    public var turnsSubmitted: UInt64
    public var turnsAccepted: Int
    /// Accepted turns / `playSeconds`.
    public var turnsPerSecond: Double
    public var rateLimited: UInt64
    public var submitErrors: UInt64
    public var firstError: String?
    /// Submission to `battle:turn_accepted`, at the agent.
    public var acceptLatency: LatencyReport
    /// Submission to `battle:turn`, at each spectator.
    public var turnLatency: LatencyReport
    /// From the first submission to the last event a spectator received.
    public var deliverySeconds: Double
    /// Every event spectators received from the first submission on.
    public var spectatorEvents: UInt64
    public var spectatorEventsPerSecond: Double
    /// `battle:turn` deliveries among them.
    public var spectatorTurns: UInt64
    public var spectatorTurnsPerSecond: Double
    /// The same events by name (names never received are left out).
    public var eventsByName: [String: UInt64]
    /// Accepted turns a spectator never got, summed over spectators (after the drain).
    public var lostTurns: UInt64
    public var spectatorsMissingTurns: Int
    /// A turn received twice, or after a later one.
    public var outOfOrderTurns: UInt64
    /// Spectators that got `battle:ended` for every battle that ended.
    public var spectatorsSawEveryEnd: Int
    /// Turns in the played battles' snapshots (`GET /api/v1/battles/{id}`) afterwards.
    public var persistedTurns: Int
    /// Every accepted turn is in its battle's snapshot, with its content, and nothing else is.
    public var allTurnsPersisted: Bool
    public var errorEvents: UInt64
    public var unexpectedCloses: UInt64
    /// Spectators' connect + join of every battle.
    public var connectSeconds: Double

    public var table: String {
        func rate(_ value: Double) -> String { value >= 100 ? grouped(value) : String(format: "%.1f", value) }
        let names = eventsByName.sorted { $0.value > $1.value }.map { "\($0.key) \(grouped(Double($0.value)))" }.joined(separator: ", ")
        return rows(
            "battle with \(spectators) spectators at \(target) (\(battles) battle(s) of \(rounds) rounds, ended by \(endedBy))",
            [
                (
                    "turns",
                    "\(rate(turnsPerSecond)) accepted/s (\(turnsAccepted) of \(turnsSubmitted) submitted in "
                        + "\(String(format: "%.3f", playSeconds)) s, \(String(format: "%.3f", betweenBattlesSeconds)) s between battles)"
                ),
                ("accept latency", acceptLatency.line),
                ("turn latency", turnLatency.line),
                (
                    "delivered",
                    "\(grouped(spectatorEventsPerSecond)) events/s, battle:turn "
                        + "\(grouped(spectatorTurnsPerSecond))/s (\(String(format: "%.3f", deliverySeconds)) s)"
                ),
                ("events", names.isEmpty ? "none" : names),
                (
                    "lost turns",
                    "\(lostTurns) (\(spectatorsMissingTurns) spectators missing some), "
                        + "\(outOfOrderTurns) out of order, \(spectatorsSawEveryEnd) saw every end"
                ),
                ("persisted", "\(persistedTurns) turns, \(allTurnsPersisted ? "all accepted turns stored" : "MISMATCH with the accepted turns")"),
                (
                    "rate limited / errors",
                    "\(rateLimited) / \(submitErrors) submissions, \(errorEvents) error events at "
                        + "spectators, \(unexpectedCloses) closes\(firstError.map { " (first: \($0))" } ?? "")"
                ),
                (
                    "setup",
                    "\(spectators) spectators joined in \(String(format: "%.3f", connectSeconds)) "
                        + "s, content \(contentBytes) bytes, \(threads) load thread(s)"
                ),
            ])
    }
}
