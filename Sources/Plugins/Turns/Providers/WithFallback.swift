import Runtime

/// The policy both fallback providers share: the primary answer within `timeout`, else the
/// fallback's. A primary that throws or is late is reported through `failed` (with a readable
/// reason) before the fallback is asked; a cancelled caller gets `CancellationError` and no
/// fallback, since nobody is waiting for the answer.
func withFallback<T: Sendable>(
    timeout: Duration,
    clock: (any RuntimeClock)?,
    primary: @escaping @Sendable () async throws -> T,
    fallback: () async throws -> T,
    failed: (_ reason: String) -> Void
) async throws -> (value: T, fellBack: Bool) {
    do {
        return (try await withDeadline(timeout, clock: clock, operation: primary), false)
    } catch is CancellationError where Task.isCancelled {
        throw CancellationError()
    } catch {
        failed(error is DeadlineExceeded ? "no answer within \(timeout)" : "\(error)")
    }
    return (try await fallback(), true)
}
