import Runtime
import Logging

/// A commentator that always answers in bounded time: it asks `primary`, and if that throws or
/// has not answered within `timeout`, it asks `fallback` instead, so a slow or failing AI
/// provider never holds up a battle's commentary.
///
/// The wait for the primary is bounded even if it ignores cancellation (see `withDeadline`); the
/// fallback is not timed, so it should be a local commentator such as `TemplateCommentator`.
/// When the caller's task is cancelled, that is thrown as `CancellationError` without asking the
/// fallback.
public struct FallbackCommentator: Commentator {
    public let primary: any Commentator
    public let fallback: any Commentator
    public let timeout: Duration
    /// The clock the timeout runs on (the runtime's; nil: real time).
    public let clock: (any RuntimeClock)?
    private let logger: Logger?

    /// - Parameter logger: where the primary's failures are reported (at warning level), if anywhere.
    public init(primary: any Commentator, fallback: any Commentator, timeout: Duration, clock: (any RuntimeClock)? = nil, logger: Logger? = nil) {
        self.primary = primary
        self.fallback = fallback
        self.timeout = timeout
        self.clock = clock
        self.logger = logger
    }

    /// The primary's name: the commentator this battle is meant to get.
    public var name: String { primary.name }

    public func comment(on turn: BattleTranscript.Turn, in transcript: BattleTranscript) async throws -> String {
        let (primary, fallback, logger) = (self.primary, self.fallback, self.logger)
        return try await withFallback(
            timeout: timeout,
            clock: clock,
            primary: { try await primary.comment(on: turn, in: transcript) },
            fallback: { try await fallback.comment(on: turn, in: transcript) },
            failed: { reason in
                logger?.warning(
                    "commentator \(primary.name) failed, using \(fallback.name): \(reason)",
                    metadata: ["battle": "\(transcript.battleId)", "turn": "\(turn.turnId)"]
                )
            }
        ).value
    }
}
