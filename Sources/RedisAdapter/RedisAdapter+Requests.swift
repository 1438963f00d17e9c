import Foundation
import MessagePack
import SocketIOProtocol
import SocketIOServer

/// The requests other servers of a cluster send on `socket.io-request#/#` (the Node adapter's
/// `fetchSockets`, `socketsJoin`, `socketsLeave`, `disconnectSockets`, `allRooms` and the
/// `sockets` of a room), answered for this instance's sockets on `socket.io-response#/#`.
extension RedisAdapter {
    enum RequestType: Int64 {
        case sockets = 0, allRooms, remoteJoin, remoteLeave, remoteDisconnect, remoteFetch, serverSideEmit
    }

    /// A request as JSON (first byte `{`) or msgpack, as the Node adapter reads them.
    static func decodeRequest(_ bytes: [UInt8]) -> JSONValue? {
        if bytes.first == UInt8(ascii: "{") { return try? JSONParser.parse(bytes) }
        return (try? MessagePackReader.decode(bytes)).map(JSONValue.init(messagePack:))
    }

    func handleRequest(_ bytes: [UInt8]) async {
        guard let request = Self.decodeRequest(bytes), let raw = request["type"]?.intValue, let type = RequestType(rawValue: raw),
            request["uid"]?.stringValue != uid
        else { return }
        let strings = { (value: JSONValue?) in Set((value?.arrayValue ?? []).compactMap(\.stringValue)) }
        let rooms = strings(request["opts"]?["rooms"])
        let except = strings(request["opts"]?["except"])
        switch type {
        case .sockets:
            let sockets = await local.sockets(inAnyOf: strings(request["rooms"]), except: [])
            respond(to: request, with: ["sockets": .array(sockets.map { .string($0.id) })])
        case .allRooms:
            respond(to: request, with: ["rooms": .array(await local.allRooms().sorted().map(JSONValue.string))])
        case .remoteJoin, .remoteLeave:
            let target = strings(request["rooms"])
            for socket in await local.sockets(inAnyOf: rooms, except: except) {
                for room in target { type == .remoteJoin ? socket.join(room) : socket.leave(room) }
            }
        case .remoteDisconnect:
            let close = request["close"]?.boolValue ?? false
            for socket in await local.sockets(inAnyOf: rooms, except: except) { socket.disconnect(closeTransport: close) }
        case .remoteFetch:
            var described: [JSONValue] = []
            for socket in await local.sockets(inAnyOf: rooms, except: except) {
                described.append(await Self.describe(socket))
            }
            respond(to: request, with: ["sockets": .array(described)])
        case .serverSideEmit:
            // MoltArena registers no server-side event handlers: nothing to run, nothing to answer.
            break
        }
    }

    /// `{requestId, ...}` as JSON on the response channel, where the requesting server listens.
    private func respond(to request: JSONValue, with members: KeyValuePairs<String, JSONValue>) {
        guard let requestId = request["requestId"] else { return }
        let response = JSONValue.object([JSONMember("requestId", requestId)] + members.map { JSONMember($0.key, $0.value) })
        link.publish(Array(JSONWriter.string(response).utf8), on: NodeAdapterWire.responseChannel(namespace: namespace))
    }

    /// A socket as `fetchSockets()` shows it: id, handshake, rooms, data.
    static func describe(_ socket: Socket) async -> JSONValue {
        let rooms = (try? await socket.eventLoop.submit { socket.joinedRooms }.get()) ?? []
        let headers = JSONValue.object(socket.handshake.headers.map { JSONMember($0.name.canonicalName, .string($0.value)) })
        let handshake = JSONValue.object([
            "headers": headers, "address": .string(socket.remoteAddress?.ipAddress ?? ""), "auth": socket.handshake.auth,
            "query": .object([]), "xdomain": .bool(false), "secure": .bool(false),
        ])
        return .object(["id": .string(socket.id), "handshake": handshake, "rooms": .array(rooms.sorted().map(JSONValue.string)), "data": .object([])])
    }
}
