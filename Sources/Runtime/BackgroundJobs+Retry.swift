import Foundation
import Logging

extension BackgroundJobs {
    /// Runs `attempt`; while it fails because the database cannot be reached, runs it again a
    /// second later (on the runtime clock), until it gets through. For work that must not be
    /// lost to a database restart, such as a battle's timers: an attempt that failed was rolled
    /// back, so the next one starts from what is stored. Any other error is logged with `what`.
    public func retryingWhileDatabaseIsDown(
        _ what: String, logger: Logger, metadata: Logger.Metadata, _ attempt: @escaping @Sendable () async throws -> Void
    ) async {
        do {
            try await attempt()
        } catch SQLError.unavailable(let reason) {
            logger.warning("the database is unavailable; \(what) again in a second", metadata: metadata.merging(["error": "\(reason)"]) { $1 })
            _ = schedule(at: clock.now().addingTimeInterval(1), what) {
                await self.retryingWhileDatabaseIsDown(what, logger: logger, metadata: metadata, attempt)
            }
        } catch {
            logger.error("could not run \(what)", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }
}
