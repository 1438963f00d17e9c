import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Opens the TCP connection and performs the WebSocket upgrade for a session.
///
/// Every outcome is reported to the session rather than returned: success installs the
/// ``EngineIOClientHandler`` (which takes it from there), and any failure fails the session's
/// connect promise, so that ``SocketIOClient/connect(_:eventLoopGroup:)`` has exactly one thing
/// to await.
enum WebSocketConnector {
    static func start(_ endpoint: WebSocketEndpoint, session: ClientSession) {
        let configuration = session.configuration
        ClientBootstrap(group: session.eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                session.attach(channel: channel)
                return channel.eventLoop.makeCompletedFuture {
                    try configureUpgrade(on: channel, endpoint: endpoint, session: session)
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .whenFailure { error in
                session.abortConnect(SocketIOClientError.transportFailed("cannot connect to \(endpoint.authority): \(error)"))
            }
    }

    private static func configureUpgrade(
        on channel: any Channel,
        endpoint: WebSocketEndpoint,
        session: ClientSession
    ) throws {
        let configuration = session.configuration
        let upgrader = NIOTypedWebSocketClientUpgrader<Bool>(
            maxFrameSize: configuration.maxFrameSize,
            enableAutomaticErrorHandling: false,  // EngineIOClientHandler answers framing errors itself
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let handler = EngineIOClientHandler(session: session)
                    let aggregator = NIOWebSocketFrameAggregator(
                        minNonFinalFragmentSize: 0,
                        maxAccumulatedFrameCount: 1024,
                        maxAccumulatedFrameSize: configuration.maxFrameSize
                    )
                    try channel.pipeline.syncOperations.addHandlers([aggregator, handler])
                    session.attach(handler: handler)
                    return true
                }
            }
        )

        var headers = HTTPHeaders()
        headers.add(name: "Host", value: endpoint.authority)
        headers.add(name: "Content-Length", value: "0")
        for (name, value) in configuration.extraHeaders { headers.add(name: name, value: value) }
        let requestHead = HTTPRequestHead(version: .http1_1, method: .GET, uri: endpoint.requestURI, headers: headers)

        let upgradeConfiguration = NIOTypedHTTPClientUpgradeConfiguration<Bool>(
            upgradeRequestHead: requestHead,
            upgraders: [upgrader],
            notUpgradingCompletionHandler: { channel in
                // The response head and body are passed on after this returns; collect them so
                // the caller learns the status and the server's explanation.
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HTTPRejectionCollector(session: session))
                    return false
                }
            }
        )
        var pipelineConfiguration = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: upgradeConfiguration)
        // The server sends the Engine.IO open packet right behind the 101 response, often in the
        // same TCP segment; the default (.dropBytes) would silently lose it.
        pipelineConfiguration.leftOverBytesStrategy = .forwardBytes
        let upgraded = try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
            configuration: pipelineConfiguration
        )
        upgraded.whenFailure { error in
            session.abortConnect(SocketIOClientError.transportFailed("WebSocket upgrade failed: \(error)"))
        }
    }
}
