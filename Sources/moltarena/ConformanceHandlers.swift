import SocketIOProtocol
import SocketIOServer

/// Handlers of the protocol suites' reference server, on `/` and `/custom`, and the extra events
/// the interop tests drive (rooms, broadcast, server-side acks and disconnects).
enum ConformanceHandlers {
    static func install(on io: SocketIOServer) {
        io.of("/").use { handshake in
            if handshake.auth["token"] == .string("bad") {
                return .reject(message: "invalid token", data: .object(["code": "INVALID_TOKEN"]))
            }
            return .accept()
        }
        for namespace in [io.of("/"), io.of("/custom")] {
            namespace.onConnection { socket in
                socket.emit("auth", [socket.handshake.auth])
            }
            namespace.on("message") { socket, args, _ in
                socket.emit("message-back", args)
            }
            namespace.on("message-with-ack") { _, args, ack in
                ack?.send(args)
            }
            namespace.on("join") { socket, args, ack in
                guard let room = args.first?.stringValue else { return ack?.send([false]) ?? () }
                socket.join(room)
                ack?.send([true])
            }
            namespace.on("leave") { socket, args, ack in
                guard let room = args.first?.stringValue else { return ack?.send([false]) ?? () }
                socket.leave(room)
                ack?.send([true])
            }
            namespace.on("broadcast") { socket, args, ack in
                guard let room = args.first?.stringValue else { return ack?.send([false]) ?? () }
                socket.broadcast(to: [room]).emit("broadcast", Array(args.dropFirst()))
                ack?.send([true])
            }
            namespace.on("request-ack") { socket, args, ack in
                socket.emit("server-ack-request", args, timeout: .seconds(5)) { result in
                    switch result {
                    case .success(let values): socket.emit("server-ack-result", values)
                    case .failure(let error): socket.emit("server-ack-result", [.string("error: \(error)")])
                    }
                }
                ack?.send([true])
            }
            namespace.on("disconnect-me") { socket, _, _ in
                socket.disconnect()
            }
            namespace.on("whoami") { socket, _, ack in
                let address = socket.remoteAddress?.ipAddress ?? ""
                ack?.send([
                    .object([
                        "sid": .string(socket.id),
                        "remoteAddress": .string(address),
                        "rooms": .array(socket.joinedRooms.sorted().map(JSONValue.string)),
                    ])
                ])
            }
        }
    }
}
