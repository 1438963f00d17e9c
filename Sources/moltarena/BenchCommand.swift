import ArgumentParser
import BenchKit
import Foundation

/// `moltarena bench`: the load generator. `fanout`, `connect` and `idle` work against any
/// Socket.IO v4 server that implements the bench scenario (`battle:join {battleId}` acks;
/// `battle:turn {battleId,...}` is relayed to room `battle:<battleId>`), over the WebSocket
/// transport; `battle` plays real battles against `moltarena serve` with the battle plugins.
///
/// ```
/// moltarena serve --config bench/plugins.bench.conf --port 3000 &
/// moltarena bench fanout http://127.0.0.1:3000 --clients 1000 --window 16 --duration 10
/// moltarena serve --config bench/plugins.battle.conf --port 3001 &
/// moltarena bench battle http://127.0.0.1:3001 --spectators 10000 --duration 20
/// moltarena bench battle http://127.0.0.1:3001 --concurrent-battles 500 --spectators 20 --turn-interval 1
/// ```
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Load-test a Socket.IO server with the bench scenario (see the bench plugin).",
        subcommands: [Fanout.self, Connect.self, Idle.self, Battle.self]
    )

    /// Runs a scenario; a failure is one line on stderr and exit status 1.
    static func reporting<T>(_ body: () async throws -> T) async -> T {
        do {
            return try await body()
        } catch {
            CommandFailure.fail("bench: \(error)")
        }
    }

    struct Common: ParsableArguments {
        @Argument(help: "The server, e.g. http://127.0.0.1:3000 (Engine.IO path /socket.io/ unless given).")
        var url: String
        @Option(help: "The battleId receivers join (room battle:<room>).") var room = "bench"
        @Option(help: "Event loop threads of the load generator.") var threads = 1
        @Option(help: "Connections being opened at once.") var concurrency = 200
        @Option(help: "Connect from 127.0.0.1 ... 127.0.0.N, for more connections than one address has ports.")
        var sourceAddresses = 1
        @Flag(help: "Print the result as JSON instead of a table.") var json = false

        func settings() throws -> BenchSettings {
            guard threads >= 1, concurrency >= 1, sourceAddresses >= 1, sourceAddresses <= 254 else {
                throw ValidationError("--threads, --concurrency and --source-addresses must be positive (at most 254 addresses)")
            }
            let target = try CommandFailure.reporting { try BenchTarget(url: url) }
            raiseOpenFileLimit()
            return BenchSettings(
                target: target, room: room, threads: threads, concurrency: concurrency,
                sourceAddresses: BenchSettings.loopbackSources(sourceAddresses)
            )
        }

        func print(_ report: some BenchReport) {
            Swift.print(json ? report.json : report.table)
        }
    }

    struct Fanout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "M receivers in one room, one sender outside it: delivered messages/s and latency.",
            discussion: "Closed loop with --window outstanding broadcasts (the default), or open loop at --rate broadcasts/s."
        )
        @OptionGroup var common: Common
        @Option(help: "Receivers in the room.") var clients = 100
        @Option(help: "Closed loop: broadcasts outstanding at once.") var window = 16
        @Option(help: "Open loop: broadcasts per second (replaces --window).") var rate: Double?
        @Option(help: "Seconds measured.") var duration = 10.0
        @Option(help: "Seconds sent before measuring.") var warmup = 2.0
        @Option(help: "Size of the broadcast JSON object.") var payloadBytes = 200
        @Option(help: "A second server of the same cluster: half the receivers join there, the sender stays on the first.")
        var split: String?

        func run() async throws {
            let settings = try common.settings()
            guard duration > 0, warmup >= 0, payloadBytes >= 64 else {
                throw ValidationError("--duration must be positive, --warmup not negative, --payload-bytes at least 64")
            }
            let scenario = FanoutScenario(
                receivers: clients, mode: rate.map { .open(rate: $0) } ?? .closed(window: window),
                warmup: .seconds(warmup), duration: .seconds(duration), payloadBytes: payloadBytes
            )
            var split = scenario
            split.secondTarget = try self.split.map { url in try CommandFailure.reporting { try BenchTarget(url: url) } }
            common.print(await BenchCommand.reporting { try await split.run(settings) })
        }
    }

    struct Battle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A real battle watched by N spectators: turns accepted/s, turn latency at each spectator, delivery, losses, persistence.",
            discussion: """
                Creates two agents and --battles public battles through the HTTP API, joins N anonymous \
                spectators to every battle, then the agents join with their keys and play as fast as \
                the server allows, battle after battle, until the last one ends or --duration is up. \
                With --concurrent-battles K, K battles are played at the same time instead, each by \
                its own two agents and watched by its own --spectators N (K × (N + 2) connections), \
                as fast as the server allows or, with --turn-interval S, one turn per battle every S \
                seconds at most. Run the server with bench/plugins.battle.conf. (--room is not used: \
                the battles are new.)
                """
        )
        @OptionGroup var common: Common
        @Option(help: "Anonymous spectators joined to every battle (with --concurrent-battles: per battle).") var spectators = 10_000
        @Option(help: "Rounds per battle (two turns each); the server allows at most 50 unless its [battle] max_rounds says more.") var rounds = 50
        @Option(help: "Battles played one after another, for runs longer than one battle lasts.") var battles = 1
        @Option(help: "Seconds of play at most (from the first turn).") var duration = 20.0
        @Option(help: "Size of each turn's content.") var contentBytes = 200
        @Option(help: "Battles played at the same time, each by two agents of its own and watched by its own spectators.")
        var concurrentBattles: Int?
        @Option(help: "With --concurrent-battles: seconds at least between two submissions of one battle (default: as fast as the server allows).")
        var turnInterval: Double?
        @Option(help: "With --concurrent-battles: the server's process id (its CPU time over the window, from /proc/<pid>/stat).")
        var serverPid: Int32?

        func run() async throws {
            let settings = try common.settings()
            guard duration > 0 else { throw ValidationError("--duration must be positive") }
            if let concurrentBattles {
                guard battles == 1 else { throw ValidationError("--battles plays battles one after another: not with --concurrent-battles") }
                guard turnInterval.map({ $0 > 0 }) ?? true else { throw ValidationError("--turn-interval must be positive") }
                var scenario = ConcurrentBattlesScenario(
                    battles: concurrentBattles, spectatorsPerBattle: spectators, rounds: rounds, duration: .seconds(duration),
                    turnInterval: turnInterval.map { .seconds($0) }, contentBytes: contentBytes
                )
                scenario.serverPid = serverPid
                let report = await BenchCommand.reporting { try await scenario.run(settings) }
                common.print(report)
                if report.turnsAccepted == 0 { throw ExitCode.failure }
                return
            }
            guard turnInterval == nil, serverPid == nil else {
                throw ValidationError("--turn-interval and --server-pid go with --concurrent-battles only")
            }
            let scenario = BattleScenario(
                spectators: spectators, rounds: rounds, battles: battles, duration: .seconds(duration), contentBytes: contentBytes
            )
            let report = await BenchCommand.reporting { try await scenario.run(settings) }
            common.print(report)
            if report.turnsAccepted == 0 { throw ExitCode.failure }
        }
    }

    struct Connect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "N clients connect, CONNECT and join, --concurrency at a time: connects+joins/s.",
            discussion: """
                Each event loop (--threads) dials an equal share of the clients with an equal share of \
                --concurrency. With --agents K, K agents are created over HTTP first (not timed; the \
                server's registrations_per_address must allow K, see bench/plugins.connect.conf) and \
                client i connects with the key of agent i % K, so every connect includes the server's \
                key check, and with K < N most are agents connecting again.
                """
        )
        @OptionGroup var common: Common
        @Option(help: "Clients to connect.") var clients = 1000
        @Option(help: "Agents created over HTTP before measuring; the clients connect with their keys in turn (0: anonymous).")
        var agents = 0

        func run() async throws {
            let settings = try common.settings()
            guard agents >= 0 else { throw ValidationError("--agents must not be negative") }
            let scenario = ConnectScenario(clients: clients, agents: agents)
            let report = await BenchCommand.reporting { try await scenario.run(settings) }
            common.print(report)
            if report.joined == 0 { throw ExitCode.failure }
        }
    }

    struct Idle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hold N idle joined connections and read the server's RSS: KiB per connection, and over time."
        )
        @OptionGroup var common: Common
        @Option(help: "Connections to open and hold.") var clients = 1000
        @Option(help: "The server's process id (memory from /proc/<pid>/status).") var serverPid: Int32?
        @Option(help: "Also sample memory at these connection counts on the way up, e.g. 1000,10000.")
        var checkpoints = ""
        @Option(help: "Seconds to wait at each checkpoint before sampling.") var settle = 1.0
        @Option(help: "Seconds to hold all connections afterwards, sampling memory.") var hold = 0.0
        @Option(help: "Seconds between samples while holding.") var sampleInterval = 5.0
        @Flag(
            help:
                "Join a new battle (two agents created over HTTP, nobody plays) as anonymous spectators instead of --room; run the server with bench/plugins.battle.conf."
        )
        var battle = false

        func run() async throws {
            let settings = try common.settings()
            let steps = try checkpoints.split(separator: ",").map { part -> Int in
                guard let n = Int(part.trimmingCharacters(in: .whitespaces)), n > 0 else {
                    throw ValidationError("--checkpoints takes positive counts separated by commas")
                }
                return n
            }
            guard settle >= 0, hold >= 0, sampleInterval > 0 else {
                throw ValidationError("--settle and --hold must not be negative, --sample-interval positive")
            }
            var scenario = IdleScenario(
                clients: clients, checkpoints: steps, serverPid: serverPid, settle: .seconds(settle),
                hold: .seconds(hold), sampleInterval: .seconds(sampleInterval)
            )
            scenario.battle = battle
            let report = await BenchCommand.reporting { try await scenario.run(settings) }
            common.print(report)
            if report.connected == 0 { throw ExitCode.failure }
        }
    }
}
