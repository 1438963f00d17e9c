import Runtime
import Logging

/// A judge that always answers in bounded time: it asks `primary`, and if that throws or has not
/// answered within `timeout`, it asks `fallback` instead, so a slow or failing AI provider never
/// stalls the end of a battle.
///
/// A fallback verdict says so in `judge`, e.g. `heuristic (fallback)`, so spectators and logs can
/// tell which judge decided. The wait for the primary is bounded even if it ignores cancellation
/// (see `withDeadline`); the fallback is not timed, so it should be a local judge such as
/// `HeuristicJudge`. Its errors, if any, are thrown. When the caller's task is cancelled, that is
/// thrown as `CancellationError` without asking the fallback: nobody is waiting for a verdict.
public struct FallbackJudge: Judge {
    public let primary: any Judge
    public let fallback: any Judge
    public let timeout: Duration
    /// The clock the timeout runs on (the runtime's; nil: real time).
    public let clock: (any RuntimeClock)?
    private let logger: Logger?

    /// - Parameter logger: where the primary's failures are reported (at warning level), if anywhere.
    public init(primary: any Judge, fallback: any Judge, timeout: Duration, clock: (any RuntimeClock)? = nil, logger: Logger? = nil) {
        self.primary = primary
        self.fallback = fallback
        self.timeout = timeout
        self.clock = clock
        self.logger = logger
    }

    /// The primary's name: the judge this battle is meant to get.
    public var name: String { primary.name }

    public func judge(_ transcript: BattleTranscript) async throws -> JudgeResult {
        let (primary, fallback, logger) = (self.primary, self.fallback, self.logger)
        var (result, fellBack) = try await withFallback(
            timeout: timeout,
            clock: clock,
            primary: { try await primary.judge(transcript) },
            fallback: { try await fallback.judge(transcript) },
            failed: { reason in
                logger?.warning("judge \(primary.name) failed, using \(fallback.name): \(reason)", metadata: ["battle": "\(transcript.battleId)"])
            }
        )
        if fellBack { result.judge = "\(fallback.name) (fallback)" }
        return result
    }
}
