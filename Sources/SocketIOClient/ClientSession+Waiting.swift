import NIOCore
import SocketIOProtocol

/// The three ways a caller waits on the connection: for an ACK, for an event, for the end.
///
/// Each registers a continuation under the lock (after checking, under the same lock, that the
/// answer is not already there and the task is not cancelled, so that nothing can slip between
/// the check and the registration), and each can be ended by its timeout, by task
/// cancellation, or by the connection closing, whichever comes first.
extension ClientSession {
    func emitWithAck(_ event: String, _ args: [JSONValue], timeout: Duration) async throws -> [JSONValue] {
        let id = state.withLock { state in
            defer { state.nextAckId += 1 }
            return state.nextAckId
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let failure = state.withLock { state -> (any Error)? in
                    if state.isFinished { return SocketIOClientError.disconnected(state.reason ?? .transportClosed) }
                    if Task.isCancelled { return CancellationError() }
                    let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                        self.resolveAck(id, throwing: SocketIOClientError.timeout)
                    }
                    state.pendingAcks[id] = (continuation, timer)
                    return nil
                }
                if let failure {
                    continuation.resume(throwing: failure)
                } else {
                    send(.event(event, args, namespace: configuration.namespace, ackId: id))
                }
            }
        } onCancel: {
            resolveAck(id, throwing: CancellationError())
        }
    }

    private func resolveAck(_ id: UInt64, throwing error: any Error) {
        guard let (continuation, timer) = state.withLock({ $0.pendingAcks.removeValue(forKey: id) }) else { return }
        timer.cancel()
        continuation.resume(throwing: error)
    }

    /// The next buffered or arriving event with this name (any event when nil); nil once the
    /// connection is closed and nothing matching is buffered.
    func nextEvent(named name: String?, timeout: Duration?) async throws -> ReceivedEvent? {
        let id = makeWaiterId()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: EventInbox.Continuation) in
                let immediate = state.withLock { state -> Result<ReceivedEvent?, any Error>? in
                    if let event = state.inbox.take(named: name) { return .success(event) }
                    if state.isFinished { return .success(nil) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.inbox.addWaiter(.init(id: id, name: name, continuation: continuation))
                    return nil
                }
                if let immediate {
                    continuation.resume(with: immediate)
                } else if let timeout {
                    eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                        self.state.withLock { $0.inbox.removeWaiter(id: id) }?.resume(throwing: SocketIOClientError.timeout)
                    }
                }
            }
        } onCancel: {
            state.withLock { $0.inbox.removeWaiter(id: id) }?.resume(throwing: CancellationError())
        }
    }

    /// Waits until the connection is closed and returns why.
    func waitUntilClosed(timeout: Duration?) async throws -> SocketIODisconnectReason {
        let id = makeWaiterId()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let immediate = state.withLock { state -> Result<SocketIODisconnectReason, any Error>? in
                    if state.isFinished { return .success(state.reason ?? .transportClosed) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.closeWaiters[id] = continuation
                    return nil
                }
                if let immediate {
                    continuation.resume(with: immediate)
                } else if let timeout {
                    eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                        self.state.withLock { $0.closeWaiters.removeValue(forKey: id) }?
                            .resume(throwing: SocketIOClientError.timeout)
                    }
                }
            }
        } onCancel: {
            state.withLock { $0.closeWaiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    private func makeWaiterId() -> UInt64 {
        state.withLock { state in
            defer { state.nextWaiterId += 1 }
            return state.nextWaiterId
        }
    }
}
