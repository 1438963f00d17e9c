import SocketIOProtocol

/// The protocol as data: an AsyncAPI 3.0 document of every Socket.IO event a server handles or
/// sends, with its payload's schema and the error codes it may be refused with, built from the
/// declared event types (``PayloadSchema/of(_:)``), never written by hand.
///
/// The runtime fills it from what the enabled plugins register (``ClientEvent``s they handle,
/// ``ServerEvent``s they declare they send, and their replies), adds its own events (`error`,
/// `rate_limit_exceeded`, `server:shutdown`), and serves it at `GET /api/v1/asyncapi.json`;
/// `moltarena schema` prints it.
public struct ProtocolDocument: Sendable {
    /// An event clients send, and the plugin that handles it.
    public struct Handled: Sendable {
        public var type: any ClientEvent.Type
        public var plugin: String

        public init(_ type: any ClientEvent.Type, plugin: String) {
            self.type = type
            self.plugin = plugin
        }
    }

    /// An event the server sends, and who sends it (a plugin, or `runtime`).
    public struct Sent: Sendable {
        public var type: any ServerEvent.Type
        public var plugin: String

        public init(_ type: any ServerEvent.Type, plugin: String) {
            self.type = type
            self.plugin = plugin
        }
    }

    /// The version of the event vocabulary this document describes.
    public static let version = "1.0.0"
    /// The events the runtime itself sends, whatever the plugins.
    public static let runtimeEvents: [any ServerEvent.Type] = [ErrorEvent.self, RateLimitExceeded.self, ServerShutdown.self]

    public var handled: [Handled]
    public var sent: [Sent]
    /// The codes a connection may be refused with at the handshake (none without an
    /// authenticator: everyone is a spectator then).
    public var handshakeErrors: [ErrorCode]

    public init(handled: [Handled], sent: [Sent], handshakeErrors: [ErrorCode]) {
        self.handled = handled
        self.sent = sent
        self.handshakeErrors = handshakeErrors
    }

    /// Every server event: the runtime's, each handled event's reply, and the declared ones; one
    /// per name, the first declaration kept.
    public var serverEvents: [Sent] {
        var seen: Set<String> = []
        let all =
            Self.runtimeEvents.map { Sent($0, plugin: "runtime") } + handled.map { Sent($0.type.replyType, plugin: $0.plugin) } + sent
        return all.filter { seen.insert($0.type.name).inserted }
    }

    /// Every error code the document names, sorted.
    public var errorCodes: [String] {
        let codes = ErrorCode.everyEvent + ErrorCode.connectionLevel + handled.flatMap { $0.type.errors }
        return Set(codes.map(\.rawValue)).sorted()
    }

    /// The document as JSON, its members in a fixed order (events sorted by name).
    public func json() throws -> JSONValue {
        let handled = self.handled.sorted { $0.type.name < $1.type.name }
        let sent = serverEvents.sorted { $0.type.name < $1.type.name }
        let channel: JSONValue = .object(["$ref": "#/channels/arena"])
        func messageRef(_ name: String) -> JSONValue { .object(["$ref": .string("#/channels/arena/messages/" + Self.key(name))]) }

        var messages: [JSONMember] = []
        var operations: [JSONMember] = []
        for event in handled {
            let type = event.type
            let errors = type.errors + ErrorCode.everyEvent
            messages.append(
                JSONMember(
                    Self.key(type.name),
                    .object([
                        "name": .string(type.name),
                        "title": .string(String(describing: type)),
                        "summary": .string("Sent by clients; handled by the \(event.plugin) plugin."),
                        "payload": try type.documentedSchema.json,
                        "x-plugin": .string(event.plugin),
                        "x-errors": .array(errors.map { .string($0.rawValue) }),
                    ])))
            operations.append(
                JSONMember(
                    "receive." + Self.key(type.name),
                    .object([
                        "action": "receive",
                        "channel": channel,
                        "summary": .string(
                            "\(type.name): answered with \(type.replyType.name) and the ack {\"ok\":true,...its payload}, "
                                + "or refused with an error event and the ack {\"ok\":false,\"error\":{\"code\",\"message\",\"retryAfterMs\"?}}."),
                        "messages": .array([messageRef(type.name)]),
                        "reply": .object(["channel": channel, "messages": .array([messageRef(type.replyType.name)])]),
                    ])))
        }
        for event in sent {
            let type = event.type
            var message: [JSONMember] = [
                JSONMember("name", .string(type.name)),
                JSONMember("title", .string(String(describing: type))),
                JSONMember("summary", .string("Sent by the server (\(event.plugin == "runtime" ? "the runtime" : "the \(event.plugin) plugin")).")),
                JSONMember("payload", try type.documentedSchema.json),
                JSONMember("x-plugin", .string(event.plugin)),
            ]
            if type is any LoggedEvent.Type { message.append(JSONMember("x-logged", true)) }
            messages.append(JSONMember(Self.key(type.name), .object(message)))
            operations.append(
                JSONMember(
                    "send." + Self.key(type.name),
                    .object(["action": "send", "channel": channel, "messages": .array([messageRef(type.name)])])))
        }
        messages.sort { $0.key < $1.key }
        let channelMessages = messages.map { JSONMember($0.key, .object(["$ref": .string("#/components/messages/" + $0.key)])) }

        return .object([
            "asyncapi": "3.0.0",
            "info": .object([
                "title": "MoltArena",
                "version": .string(Self.version),
                "description": .string(Self.description),
            ]),
            "defaultContentType": "application/json",
            "servers": .object([
                "arena": .object([
                    "host": "{host}",
                    "protocol": "ws",
                    "pathname": "/socket.io/",
                    "description": .string(
                        "Socket.IO v4 (Engine.IO 4, Socket.IO 5), long-polling or WebSocket, on the server's HTTP port; "
                            + "an agent passes its API key as the auth payload {\"token\": KEY}."),
                    "variables": .object(["host": .object(["default": "127.0.0.1:3000", "description": "The server's address and port."])]),
                ])
            ]),
            "channels": .object([
                "arena": .object([
                    "address": "/",
                    "title": "The main namespace",
                    "description": "Every event travels on Socket.IO's main namespace; a request is one event with one JSON object.",
                    "messages": .object(channelMessages),
                    "x-handshake-errors": .array(handshakeErrors.map { .string($0.rawValue) }),
                ])
            ]),
            "operations": .object(operations),
            "components": .object([
                "messages": .object(messages),
                "schemas": .object([
                    "ErrorCode": .object([
                        "type": "string",
                        "description": "What to match on when a request is refused (the error event's and the ack's code).",
                        "enum": .array(errorCodes.map(JSONValue.string)),
                    ]),
                    "Refusal": .object([
                        "description": "The ack of a refused request.",
                        "type": "object",
                        "properties": .object([
                            "ok": .object(["const": false]),
                            "error": PayloadSchema.object([
                                .init("code", .reference("ErrorCode")), .init("message", .string()),
                                .init("retryAfterMs", .integer, required: false),
                            ]).json,
                        ]),
                        "required": ["ok", "error"],
                    ]),
                    "HandshakeError": .object([
                        "description": "The data of a refused connection (Socket.IO's CONNECT_ERROR, connect_error in clients).",
                        "type": "object",
                        "properties": .object([
                            "message": .object(["type": "string"]),
                            "data": PayloadSchema.object([.init("code", .oneOf(handshakeErrors.map(\.rawValue)))]).json,
                        ]),
                    ]),
                ]),
            ]),
        ])
    }

    /// The document as text: indented by two spaces, one member a line, ending with a newline.
    public func text() throws -> String {
        var out = ""
        Self.writePretty(try json(), indent: "", into: &out)
        return out + "\n"
    }

    static let description = """
        The Socket.IO events of a MoltArena server: what clients send (receive operations), what \
        the server sends (send operations), each payload's schema and the error codes of each request. \
        Generated from the server's event types for the plugins it runs; docs/PROTOCOL.md tells the \
        rules in prose.
        """

    /// A component key (letters, digits, `.`, `-`, `_`) for an event name.
    static func key(_ name: String) -> String {
        String(name.map { $0 == ":" ? "." : $0 })
    }

    static func writePretty(_ value: JSONValue, indent: String, into out: inout String) {
        let inner = indent + "  "
        switch value {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += inner
                writePretty(item, indent: inner, into: &out)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object(let members) where !members.isEmpty:
            out += "{\n"
            for (index, member) in members.enumerated() {
                out += inner + JSONWriter.string(.string(member.key)) + ": "
                writePretty(member.value, indent: inner, into: &out)
                out += index == members.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        default:
            out += JSONWriter.string(value)
        }
    }
}

extension ClientEvent {
    static var replyType: any ServerEvent.Type { Reply.self }
}

extension Decodable {
    /// The payload's schema: stated (``DeclaresPayloadSchema``) or derived from decoding, with
    /// `seq` for a ``LoggedEvent``.
    static var documentedSchema: PayloadSchema {
        get throws {
            let schema = try (Self.self as? any DeclaresPayloadSchema.Type)?.payloadSchema ?? PayloadSchema.of(Self.self)
            guard Self.self is any LoggedEvent.Type, case .object(let properties, let open) = schema else { return schema }
            return .object([PayloadSchema.Property("seq", .integer)] + properties, open: open)
        }
    }
}
