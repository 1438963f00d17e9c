import SocketIOProtocol

/// An event the server emitted to this client.
public struct ReceivedEvent: Sendable {
    /// The event name (first element of the EVENT array).
    public var name: String
    /// The arguments after the name, with binary attachments in place as
    /// ``JSONValue/binary(_:)``.
    public var args: [JSONValue]
    /// Present when the server emitted with an acknowledgement callback (`emitWithAck`,
    /// `sio.call`); the server waits until ``ClientAck/send(_:)`` is called.
    public var ack: ClientAck?

    public init(name: String, args: [JSONValue], ack: ClientAck?) {
        self.name = name
        self.args = args
        self.ack = ack
    }
}

/// The answer channel for a server emit-with-ack.
///
/// A value rather than a callback so that an event can be handed between tasks and answered
/// wherever the test decides to. Sending twice sends two ACK packets: a server must ignore the
/// second, and tests of that need a client able to do it.
public struct ClientAck: Sendable {
    /// The acknowledgement id the server chose.
    public let id: UInt64
    let namespace: String
    let writer: ClientWriter

    init(id: UInt64, namespace: String, writer: ClientWriter) {
        self.id = id
        self.namespace = namespace
        self.writer = writer
    }

    /// Sends the ACK (BINARY_ACK when an argument holds binary) with these arguments.
    /// Fire and forget: nothing is sent if the connection is already closed.
    public func send(_ args: [JSONValue] = []) {
        writer.send(.ack(id, args, namespace: namespace))
    }
}
