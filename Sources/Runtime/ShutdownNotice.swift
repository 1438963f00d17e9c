import ServiceLifecycle
import SocketIOServer

/// Tells every client the server is going away (`server:shutdown`), then closes the sessions,
/// when graceful shutdown starts. Listed after the HTTP server so it stops first.
struct ShutdownNotice: Service {
    typealias ServerShutdown = ArenaProtocol.ServerShutdown

    let io: SocketIOServer
    let rooms: RoomBroadcaster

    func run() async throws {
        try? await gracefulShutdown()
        rooms.emitToLocalConnections(ServerShutdown(reconnectAfterMs: 1000))
        io.closeAll()
    }
}
