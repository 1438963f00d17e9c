import MessagePack
import SocketIOProtocol

/// The wire of the official Node `@socket.io/redis-adapter` 8.x in classic mode (and of
/// `@socket.io/redis-emitter`): channel names and the msgpack broadcast message
/// `[uid, packet, {rooms, except, flags}]`, so MoltArena and Node servers share one cluster.
public enum NodeAdapterWire {
    /// `socket.io#/#`, or `socket.io#/#<room>#` for a broadcast to exactly one room.
    public static func broadcastChannel(key: String = "socket.io", namespace: String, room: String?) -> String {
        let base = "\(key)#\(namespace)#"
        return room.map { base + $0 + "#" } ?? base
    }

    public static func requestChannel(key: String = "socket.io", namespace: String) -> String { "\(key)-request#\(namespace)#" }
    public static func responseChannel(key: String = "socket.io", namespace: String) -> String { "\(key)-response#\(namespace)#" }

    /// A broadcast as every server of the cluster reads it.
    public struct Broadcast: Equatable, Sendable {
        public var uid: String
        /// The event name and its arguments (binary arguments as ``JSONValue/binary(_:)``).
        public var event: String
        public var arguments: [JSONValue]
        public var namespace: String
        public var rooms: [String]
        public var except: [String]

        public init(uid: String, event: String, arguments: [JSONValue], namespace: String = "/", rooms: [String], except: [String] = []) {
            self.uid = uid
            self.event = event
            self.arguments = arguments
            self.namespace = namespace
            self.rooms = rooms
            self.except = except
        }

        public var channel: String {
            NodeAdapterWire.broadcastChannel(namespace: namespace, room: rooms.count == 1 ? rooms[0] : nil)
        }

        /// `[uid, {type, data, nsp}, {rooms, except, flags}]`, key order as the Node adapter writes it.
        public func encode() -> [UInt8] {
            let data = MessagePackValue.array([.string(event)] + arguments.map(MessagePackValue.init(json:)))
            let hasBinary = arguments.contains { $0.containsBinary }
            let packet = MessagePackValue.map([
                (.string("type"), .int(hasBinary ? 5 : 2)), (.string("data"), data), (.string("nsp"), .string(namespace)),
            ])
            let options = MessagePackValue.map([
                (.string("rooms"), .array(rooms.map(MessagePackValue.string))),
                (.string("except"), .array(except.map(MessagePackValue.string))),
                (.string("flags"), .map([])),
            ])
            return MessagePackWriter.encode(.array([.string(uid), packet, options]))
        }

        /// Reads a broadcast message; nil when it is not one (wrong shape, not an event).
        public static func decode(_ bytes: [UInt8]) -> Broadcast? {
            guard let message = try? MessagePackReader.decode(bytes), let parts = message.arrayValue, parts.count >= 2,
                let uid = parts[0].stringValue, let type = parts[1]["type"]?.intValue, type == 2 || type == 5,
                let data = parts[1]["data"]?.arrayValue, let event = data.first?.stringValue
            else { return nil }
            let options = parts.count > 2 ? parts[2] : .map([])
            let strings = { (value: MessagePackValue?) in (value?.arrayValue ?? []).compactMap(\.stringValue) }
            return Broadcast(
                uid: uid, event: event, arguments: data.dropFirst().map(JSONValue.init(messagePack:)),
                namespace: parts[1]["nsp"]?.stringValue ?? "/", rooms: strings(options["rooms"]), except: strings(options["except"])
            )
        }
    }
}

extension MessagePackValue {
    /// JSON as notepack writes a JavaScript value: integers as integers, other numbers as float 64.
    public init(json: JSONValue) {
        switch json {
        case .null: self = .nil
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .binary(let b): self = .binary(b)
        case .array(let items): self = .array(items.map(MessagePackValue.init(json:)))
        case .object(let members): self = .map(members.map { (MessagePackValue.string($0.key), MessagePackValue(json: $0.value)) })
        }
    }
}

extension JSONValue {
    /// What a JavaScript server would send for a msgpack value: `undefined` (ext 0) and other
    /// extensions as null, non-string map keys as their text.
    public init(messagePack value: MessagePackValue) {
        switch value {
        case .nil, .ext: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .uint(let u): self = .double(Double(u))
        case .double(let d): self = d.rounded() == d && abs(d) < 9.0e15 ? .int(Int64(d)) : .double(d)
        case .string(let s): self = .string(s)
        case .binary(let b): self = .binary(b)
        case .array(let items): self = .array(items.map(JSONValue.init(messagePack:)))
        case .map(let members):
            self = .object(
                members.map { member in
                    let key: String
                    switch member.key {
                    case .string(let s): key = s
                    case .int(let i): key = String(i)
                    default: key = "\(JSONValue(messagePack: member.key))"
                    }
                    return JSONMember(key, JSONValue(messagePack: member.value))
                })
        }
    }
}
