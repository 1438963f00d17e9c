import NIOCore
import NIOWebSocket
import SocketIOProtocol
import Synchronization

/// The shared, thread-safe state of one client connection: the Socket.IO side of it.
///
/// The channel handler (event-loop bound) turns frames into Socket.IO packets and hands them
/// here; the public ``SocketIOClient`` calls in from any task. Everything
/// mutable sits in one mutex so that "closed", "pending acks" and "buffered events" can never
/// disagree. Continuations are always resumed outside the lock.
final class ClientSession: Sendable {
    let configuration: SocketIOClientConfiguration
    let eventLoop: any EventLoop
    let writer: ClientWriter
    /// Completed by the CONNECT reply, failed by anything that ends the connect attempt.
    let connectPromise: EventLoopPromise<Void>
    let state: Mutex<State>

    struct State {
        var channel: (any Channel)?
        var handshake: EngineIOOpenPacket?
        var sid: String?
        var nextAckId: UInt64 = 0
        var nextWaiterId: UInt64 = 0
        var pendingAcks: [UInt64: (CheckedContinuation<[JSONValue], any Error>, Scheduled<Void>)] = [:]
        var inbox: EventInbox
        /// Why the connection ends; the first reason recorded wins.
        var reason: SocketIODisconnectReason?
        var isFinished = false
        var closeWaiters: [UInt64: CheckedContinuation<SocketIODisconnectReason, any Error>] = [:]
    }

    /// What the channel handler must do after a packet.
    enum Directive {
        case none
        case close(SocketIODisconnectReason)
    }

    init(configuration: SocketIOClientConfiguration, eventLoop: any EventLoop) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.writer = ClientWriter(eventLoop: eventLoop)
        self.connectPromise = eventLoop.makePromise()
        self.state = Mutex(State(inbox: EventInbox(limit: configuration.maxBufferedEvents)))
    }

    // MARK: Transport lifecycle (called on the event loop)

    func attach(channel: any Channel) {
        let finished = state.withLock { state in
            state.channel = channel
            return state.isFinished || state.reason != nil
        }
        if finished { channel.close(promise: nil) }
    }

    func attach(handler: EngineIOClientHandler) {
        writer.attach(handler)
    }

    /// Records why the connection ends, unless a reason is already known.
    func record(_ reason: SocketIODisconnectReason) {
        state.withLock { state in
            if state.reason == nil { state.reason = reason }
        }
    }

    /// The Engine.IO session is open: remembers it and returns the CONNECT packet to send.
    func engineDidOpen(_ handshake: EngineIOOpenPacket) -> SocketIOPacket {
        state.withLock { $0.handshake = handshake }
        return SocketIOPacket(.connect, namespace: configuration.namespace, data: configuration.auth)
    }

    /// The channel is gone: settles everything still waiting, with the recorded reason.
    func transportDidClose() {
        let settled = state.withLock { state -> Settled? in
            guard !state.isFinished else { return nil }
            state.isFinished = true
            let reason = state.reason ?? .transportClosed
            state.reason = reason
            defer {
                state.pendingAcks.removeAll()
                state.closeWaiters.removeAll()
            }
            return Settled(
                reason: reason,
                acks: Array(state.pendingAcks.values),
                eventWaiters: state.inbox.removeAllWaiters(),
                closeWaiters: Array(state.closeWaiters.values)
            )
        }
        guard let settled else { return }
        writer.detach()
        let reason = settled.reason
        if case .connectError(let message, let data) = reason {
            connectPromise.fail(SocketIOClientError.connectError(message: message, data: data))
        } else {
            connectPromise.fail(SocketIOClientError.disconnected(reason))
        }
        for (continuation, timer) in settled.acks {
            timer.cancel()
            continuation.resume(throwing: SocketIOClientError.disconnected(reason))
        }
        for continuation in settled.eventWaiters { continuation.resume(returning: nil) }
        for continuation in settled.closeWaiters { continuation.resume(returning: reason) }
    }

    private struct Settled {
        var reason: SocketIODisconnectReason
        var acks: [(CheckedContinuation<[JSONValue], any Error>, Scheduled<Void>)]
        var eventWaiters: [EventInbox.Continuation]
        var closeWaiters: [CheckedContinuation<SocketIODisconnectReason, any Error>]
    }

    /// Ends a connect attempt that failed before the client was handed out; does nothing once
    /// the CONNECT reply is in (a timer can fire just as the reply arrives).
    func abortConnect(_ error: any Error) {
        guard state.withLock({ $0.sid == nil }) else { return }
        connectPromise.fail(error)
        closeTransport(.transportError("connect aborted: \(error)"), code: .goingAway, awaitPeer: false)
    }

    // MARK: Sending (from any thread)

    func send(_ packet: SocketIOPacket) {
        writer.send(packet)
    }

    func write(_ frames: [WebSocketFrame]) {
        writer.write(frames)
    }

    /// Closes the connection through the handler (or the bare channel before the upgrade).
    func closeTransport(_ reason: SocketIODisconnectReason, code: WebSocketErrorCode, awaitPeer: Bool) {
        record(reason)
        if writer.isAttached {
            writer.onHandler { $0.close(reason, code: code, awaitPeer: awaitPeer) }
        } else {
            state.withLock { $0.channel }?.close(promise: nil)
        }
    }
}
