import Testing
import SocketIOClient
import SocketIOProtocol
import SocketIOServer

@Suite struct MessagingTests {
    static func echoHandlers(_ io: SocketIOServer) {
        io.of("/").on("echo") { socket, args, ack in
            if let ack { ack.send(args) } else { socket.emit("echo", args) }
        }
        io.of("/").on("join") { socket, args, ack in
            socket.join(args.first?.stringValue ?? "")
            ack?.send([true])
        }
        io.of("/").on("shout") { socket, args, ack in
            socket.broadcast(to: [args.first?.stringValue ?? ""]).emit("shout", Array(args.dropFirst()))
            ack?.send([true])
        }
        io.of("/").on("shout-three") { socket, args, ack in
            // Three events as one batch: every member gets all three, in order.
            let events = (1...3).map { (event: "part", argumentsJSON: Array("\($0)".utf8)) }
            socket.broadcast(to: [args.first?.stringValue ?? ""]).emit(events: events)
            ack?.send([true])
        }
        io.of("/").on("ping-all") { socket, args, ack in
            socket.namespace.emit("sentinel", args)
            ack?.send([true])
        }
        io.of("/").on("ask") { socket, args, ack in
            socket.emit("question", args, timeout: .seconds(5)) { result in
                socket.emit("answer", (try? result.get()) ?? [.string("no answer")])
            }
            ack?.send([true])
        }
    }

    @Test func clientEmitWithAckGetsTheServersAnswer() async throws {
        try await TestServer.run(configure: Self.echoHandlers) { server, _ in
            let client = try await server.connect()
            let args: [JSONValue] = [1, "two", .object(["3": [true, nil]]), 4.5]
            #expect(try await client.emitWithAck("echo", args) == args)
            await client.disconnect()
        }
    }

    @Test func serverEmitWithAckGetsTheClientsAnswer() async throws {
        try await TestServer.run(configure: Self.echoHandlers) { server, _ in
            let client = try await server.connect()
            _ = try await client.emitWithAck("ask", ["why?"])
            let question = try await client.next("question")
            #expect(question.args == ["why?"])
            question.ack?.send([42])
            #expect(try await client.next("answer").args == [42])
            await client.disconnect()
        }
    }

    @Test func binaryArgumentsRoundTripBothWays() async throws {
        try await TestServer.run(configure: Self.echoHandlers) { server, _ in
            let client = try await server.connect()
            let payload: [JSONValue] = [.binary(Array(0...255)), .object(["nested": .binary([1, 2, 3])])]
            #expect(try await client.emitWithAck("echo", payload) == payload)
            client.emit("echo", payload)
            #expect(try await client.next("echo").args == payload)
            await client.disconnect()
        }
    }

    @Test func roomBroadcastSkipsTheSenderAndSocketsOutsideTheRoom() async throws {
        try await TestServer.run(configure: Self.echoHandlers) { server, _ in
            let sender = try await server.connect()
            let member = try await server.connect()
            let outsider = try await server.connect()
            _ = try await sender.emitWithAck("join", ["arena"])
            _ = try await member.emitWithAck("join", ["arena"])
            _ = try await sender.emitWithAck("shout", ["arena", "hello", .binary([7])])
            #expect(try await member.next("shout").args == ["hello", .binary([7])])
            // A sentinel to everyone: a client that got the shout would see it before the sentinel.
            _ = try await sender.emitWithAck("ping-all", ["end"])
            for client in [sender, outsider] {
                var events = client.events.makeAsyncIterator()
                let first = await events.next()
                #expect(first?.name == "sentinel")
            }
            for client in [sender, member, outsider] { await client.disconnect() }
        }
    }

    @Test func aBatchOfEventsReachesEveryMemberInOrderAndNobodyElse() async throws {
        try await TestServer.run(configure: Self.echoHandlers) { server, _ in
            let sender = try await server.connect()
            let members = [try await server.connect(), try await server.connect()]
            let outsider = try await server.connect()
            for member in members { _ = try await member.emitWithAck("join", ["arena"]) }
            _ = try await sender.emitWithAck("shout-three", ["arena"])
            for member in members {
                for part in 1...3 { #expect(try await member.next("part").args == [.int(Int64(part))]) }
            }
            _ = try await sender.emitWithAck("ping-all", ["end"])
            for client in [sender, outsider] {
                var events = client.events.makeAsyncIterator()
                #expect(await events.next()?.name == "sentinel")
            }
            for client in [sender, outsider] + members { await client.disconnect() }
        }
    }
}
