import Logging
import NIOCore
import SocketIOProtocol

/// The Socket.IO side of one Engine.IO session: decodes packets (collecting binary attachments),
/// multiplexes namespaces and enforces the connect timeout. Lives on the session's event loop.
/// Confined to the session's event loop, hence `@unchecked Sendable`.
final class SocketIOConnection: EngineIOSessionDelegate, @unchecked Sendable {
    private let server: SocketIOServer
    private unowned let session: EngineIOSession
    private var decoder: SocketIOPacketDecoder
    private var sockets: [String: Socket] = [:]
    private var connecting: Set<String> = []
    private var connectTimer: Scheduled<Void>?

    init(server: SocketIOServer, session: EngineIOSession) {
        self.server = server
        self.session = session
        self.decoder = SocketIOPacketDecoder(maxAttachments: server.configuration.maxAttachments)
        self.connectTimer = session.eventLoop.scheduleTask(in: .init(server.configuration.connectTimeout)) { [weak self] in
            guard let self, self.sockets.isEmpty else { return }
            self.session.logger.debug("closing session: no namespace connected in time")
            self.session.close(reason: .forcedClose)
        }
    }

    func engineSession(_ session: EngineIOSession, didReceive packet: EngineIOPacket) {
        let decoded: SocketIOPacket?
        do {
            decoded = packet.isBinary ? try decoder.decode(binary: packet.payload) : try decoder.decode(text: packet.payload)
        } catch {
            session.logger.debug("closing session: invalid Socket.IO packet", metadata: ["error": "\(error)"])
            session.close(reason: .parseError)
            return
        }
        guard let decoded else { return }
        handle(decoded)
    }

    private func handle(_ packet: SocketIOPacket) {
        switch packet.type {
        case .connect:
            connect(packet)
        case .disconnect:
            sockets[packet.namespace]?.closed(reason: "client namespace disconnect")
        case .event, .binaryEvent:
            guard let socket = sockets[packet.namespace], let (name, args) = packet.eventNameAndArguments else { return }
            socket.dispatch(event: name, args: args, ackId: packet.ackId)
        case .ack, .binaryAck:
            guard let socket = sockets[packet.namespace], let id = packet.ackId, case .array(let args)? = packet.data else { return }
            socket.resolveAck(id: id, args: args)
        case .connectError:
            session.logger.debug("closing session: client sent CONNECT_ERROR")
            session.close(reason: .parseError)
        }
    }

    private func connect(_ packet: SocketIOPacket) {
        let name = packet.namespace
        guard let namespace = server.namespace(named: name) else {
            send(SocketIOPacket(.connectError, namespace: name, data: .object(["message": "Invalid namespace"])))
            return
        }
        guard sockets[name] == nil, !connecting.contains(name) else { return }
        let handshake = SocketHandshake(engine: session.handshake, auth: packet.data ?? .object([]), namespace: name)
        let middlewares = namespace.middlewares
        if middlewares.isEmpty {
            accept(namespace, handshake: handshake, data: nil)
            return
        }
        connecting.insert(name)
        let loop = session.eventLoop
        // On the session's own loop: a middleware that decides at once (no key to look up)
        // costs no thread hop; one that blocks must move that work off the loop itself.
        Task(executorPreference: session.server.executors.executor(for: loop)) {
            var decision = ConnectDecision.accept(data: nil)
            for middleware in middlewares {
                decision = await middleware(handshake)
                if case .reject = decision { break }
            }
            let verdict = decision
            let settle: @Sendable () -> Void = {
                self.connecting.remove(name)
                guard !self.session.isClosed else { return }
                switch verdict {
                case .accept(let data):
                    self.accept(namespace, handshake: handshake, data: data)
                case .reject(let message, let data):
                    var members = [JSONMember("message", .string(message))]
                    if let data { members.append(JSONMember("data", data)) }
                    self.send(SocketIOPacket(.connectError, namespace: name, data: .object(members)))
                }
            }
            if loop.inEventLoop { settle() } else { loop.execute(settle) }
        }
    }

    private func accept(_ namespace: Namespace, handshake: SocketHandshake, data: (any Sendable)?) {
        let socket = Socket(id: EngineIOServer.makeSid(), namespace: namespace, handshake: handshake, session: session, data: data)
        sockets[namespace.name] = socket
        connectTimer?.cancel()
        connectTimer = nil
        // The CONNECT reply goes out, flushed on its own, before anything the connection handlers
        // emit: clients (and the protocol suite) treat it as a separate message and attach their
        // event listeners only once they saw it.
        send(SocketIOPacket(.connect, namespace: namespace.name, data: .object(["sid": .string(socket.id)])))
        session.flushNow()
        namespace.add(socket)
        let delay = server.configuration.connectionHandlerDelay
        if delay == .zero {
            session.eventLoop.execute { namespace.runConnectionHandlers(socket) }
        } else {
            session.eventLoop.scheduleTask(in: .init(delay)) { namespace.runConnectionHandlers(socket) }
        }
    }

    private func send(_ packet: SocketIOPacket) {
        session.send(OutboundFrame.frames(for: packet))
    }

    func socketClosed(_ socket: Socket) {
        if sockets[socket.namespace.name] === socket {
            sockets.removeValue(forKey: socket.namespace.name)
        }
    }

    func engineSessionDidClose(_ session: EngineIOSession, reason: EngineIOCloseReason) {
        connectTimer?.cancel()
        let open = sockets.values
        for socket in open {
            socket.closed(reason: reason.rawValue)
        }
        sockets.removeAll()
    }
}
