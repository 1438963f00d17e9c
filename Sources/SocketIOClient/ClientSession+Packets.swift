import SocketIOProtocol

extension ClientSession {
    /// Applies one Socket.IO packet from the server (on the event loop) and tells the handler
    /// whether the connection must now close.
    ///
    /// Packets for other namespaces are ignored: this client joins one namespace, and a server
    /// that multiplexes others over the same Engine.IO session is not wrong to do so.
    func received(_ packet: SocketIOPacket) -> Directive {
        guard packet.namespace == configuration.namespace else { return .none }
        switch packet.type {
        case .connect:
            guard let sid = packet.data?["sid"]?.stringValue else {
                return .close(.protocolError("CONNECT reply without a sid"))
            }
            state.withLock { state in
                if state.sid == nil { state.sid = sid }
            }
            connectPromise.succeed()
            return .none

        case .connectError:
            let (message, data) = Self.connectErrorContent(packet.data)
            connectPromise.fail(SocketIOClientError.connectError(message: message, data: data))
            return .close(.connectError(message: message, data: data))

        case .disconnect:
            return .close(.serverDisconnect)

        case .event, .binaryEvent:
            guard let (name, args) = packet.eventNameAndArguments else {
                return .close(.protocolError("EVENT without a name"))
            }
            let event = ReceivedEvent(
                name: name, args: args, ack: packet.ackId.map { ClientAck(id: $0, namespace: configuration.namespace, writer: writer) })
            let waiter = state.withLock { $0.inbox.deliver(event) }
            waiter?.resume(returning: event)
            return .none

        case .ack, .binaryAck:
            // An ACK for an id we are not waiting for (timed out, or never sent) is dropped, as
            // the reference client does.
            guard let id = packet.ackId,
                let (continuation, timer) = state.withLock({ $0.pendingAcks.removeValue(forKey: id) })
            else { return .none }
            timer.cancel()
            continuation.resume(returning: packet.data?.arrayValue ?? [])
            return .none
        }
    }

    /// CONNECT_ERROR carries `{"message":…,"data":…}` in Socket.IO 5 and a bare string in
    /// older servers; both are accepted.
    static func connectErrorContent(_ data: JSONValue?) -> (String, JSONValue?) {
        if case .string(let message)? = data { return (message, nil) }
        return (data?["message"]?.stringValue ?? "", data?["data"])
    }
}
