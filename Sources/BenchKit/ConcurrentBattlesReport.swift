/// The result of `battle --concurrent-battles K`: K battles at once, each with its own agents and
/// spectators. The fields that mean what they mean in ``BattleReport`` keep its names.
public struct ConcurrentBattlesReport: BenchReport, Codable {
    public var scenario = "battle-concurrent"
    public var target: String
    public var battles: Int
    public var spectatorsPerBattle: Int
    /// Spectators and agents: battles × (spectatorsPerBattle + 2).
    public var connections: Int
    public var rounds: Int
    /// "fast" (every turn submitted as soon as it is offered) or "interval" (`turnIntervalSeconds`
    /// at least between two submissions of one battle).
    public var pacing: String
    public var turnIntervalSeconds: Double?
    /// "battles" when every battle ended, "duration" when the time was up first, "stalled" when
    /// a submission went unanswered for 30 s after it.
    public var endedBy: String
    /// Battles that ended (all their rounds played) inside the window; they are not replaced.
    public var battlesEnded: Int
    public var contentBytes: Int
    public var threads: Int
    /// The limit (--duration).
    public var durationSeconds: Double
    /// From the window's start (every battle's first offer released) to the last accepted turn.
    public var playSeconds: Double
    public var turnsSubmitted: UInt64
    public var turnsAccepted: Int
    /// Accepted turns of all battles / `playSeconds`.
    public var turnsPerSecond: Double
    public var turnsPerBattlePerSecond: Double
    public var rateLimited: UInt64
    public var submitErrors: UInt64
    public var firstError: String?
    /// Submission to `battle:turn_accepted`, at the agent.
    public var acceptLatency: LatencyReport
    /// Submission to `battle:turn`, at each spectator of the battle.
    public var turnLatency: LatencyReport
    /// From the window's start to the last event a spectator received.
    public var deliverySeconds: Double
    /// Every event spectators received from the window's start on.
    public var spectatorEvents: UInt64
    public var spectatorEventsPerSecond: Double
    /// `battle:turn` deliveries among them.
    public var spectatorTurns: UInt64
    public var spectatorTurnsPerSecond: Double
    /// The same events by name (names never received are left out).
    public var eventsByName: [String: UInt64]
    /// Accepted turns a spectator of that battle never got, summed over spectators (after the drain).
    public var lostTurns: UInt64
    public var spectatorsMissingTurns: Int
    /// A turn received twice, or after a later one of its battle.
    public var outOfOrderTurns: UInt64
    /// Spectators that got `battle:ended` if their battle ended.
    public var spectatorsSawTheirEnd: Int
    /// `battle:turn` entries in the battles' logs (`GET /api/v1/battles/{id}/log`) afterwards.
    public var persistedTurns: Int
    /// Battles whose log holds exactly their accepted turns (same turnId, numbered content).
    public var battlesPersisted: Int
    public var allTurnsPersisted: Bool
    public var errorEvents: UInt64
    public var unexpectedCloses: UInt64
    /// With `--server-pid`: the server's user + system CPU from the window's start until every
    /// turn was delivered (setup left out), and that per accepted turn.
    public var serverCpuSecondsInWindow: Double?
    public var serverCpuMsPerTurn: Double?
    /// Creating the agents and battles over HTTP.
    public var setupSeconds: Double
    public var spectatorsConnectSeconds: Double
    public var agentsConnectSeconds: Double

    public var table: String {
        func rate(_ value: Double) -> String { value >= 100 ? grouped(value) : String(format: "%.1f", value) }
        let pace = turnIntervalSeconds.map { "a turn every \($0) s per battle" } ?? "as fast as the server allows"
        let names = eventsByName.sorted { $0.value > $1.value }.map { "\($0.key) \(grouped(Double($0.value)))" }.joined(separator: ", ")
        return rows(
            "\(battles) concurrent battles × \(spectatorsPerBattle) spectators at \(target) (\(pace), ended by \(endedBy))",
            [
                (
                    "turns",
                    "\(rate(turnsPerSecond)) accepted/s, \(rate(turnsPerBattlePerSecond))/s per battle (\(turnsAccepted) of "
                        + "\(turnsSubmitted) submitted in \(String(format: "%.3f", playSeconds)) s, \(battlesEnded) battles ended)"
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
                        + "\(outOfOrderTurns) out of order, \(spectatorsSawTheirEnd) saw their battle's end"
                ),
                (
                    "persisted",
                    "\(persistedTurns) turns in the logs, \(battlesPersisted) of \(battles) battles "
                        + (allTurnsPersisted ? "(all accepted turns stored)" : "match: MISMATCH with the accepted turns")
                ),
                (
                    "rate limited / errors",
                    "\(rateLimited) / \(submitErrors) submissions, \(errorEvents) error events at "
                        + "spectators, \(unexpectedCloses) closes\(firstError.map { " (first: \($0))" } ?? "")"
                ),
                (
                    "server cpu",
                    serverCpuSecondsInWindow.map { "\($0) s in the window, \(serverCpuMsPerTurn.map { "\($0)" } ?? "-") ms per turn" }
                        ?? "n/a (no --server-pid)"
                ),
                (
                    "setup",
                    "\(grouped(Double(connections))) connections; agents and battles created in \(String(format: "%.3f", setupSeconds)) s, "
                        + "spectators joined in \(String(format: "%.3f", spectatorsConnectSeconds)) s, agents in "
                        + "\(String(format: "%.3f", agentsConnectSeconds)) s; content \(contentBytes) bytes, \(threads) load thread(s)"
                ),
            ])
    }
}
