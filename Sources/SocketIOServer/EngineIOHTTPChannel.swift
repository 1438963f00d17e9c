import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Foundation

/// Hummingbird child channel that serves the application's routes and Engine.IO endpoints on one
/// port.
///
/// Plain HTTP (the API, and Engine.IO long-polling) goes through Hummingbird's usual request
/// handling. A WebSocket upgrade to an Engine.IO endpoint is answered by
/// ``EngineIOWebSocketUpgrader`` and then handed to ``EngineIOWebSocketHandler``, a synchronous
/// channel handler and the only one left in the pipeline: the connection keeps no task, no async
/// stream and no frame codec of its own, which is what keeps an idle connection small.
public struct EngineIOHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    public enum Outcome: Sendable {
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case refusedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case webSocket
    }

    public struct Value: ServerChildChannelValue {
        let outcome: EventLoopFuture<Outcome>
        public let channel: any Channel
    }

    let endpoints: [EngineIOServer]
    let configuration: HTTP1Channel.Configuration
    public let responder: HTTPChannelHandler.Responder

    public init(endpoints: [EngineIOServer], configuration: HTTP1Channel.Configuration, responder: @escaping HTTPChannelHandler.Responder) {
        self.endpoints = endpoints
        self.configuration = configuration
        self.responder = { request, writer, channel in
            if let endpoint = endpoints.first(where: { $0.matches(path: Substring(request.uri.path)) }) {
                let response = await endpoint.respond(to: request, channel: channel)
                var headers = response.headers
                headers[.contentLength] = String(response.body.readableBytes)
                if request.headers[.connection]?.lowercased() == "close" {
                    // Hummingbird closes after this response; say so, or keep-alive clients reuse a dead socket.
                    headers[.connection] = "close"
                }
                try await writer.write(response: HTTPResponse(status: response.status, headerFields: headers), body: .init(byteBuffer: response.body))
            } else {
                try await responder(request, writer, channel)
            }
        }
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // A small first read buffer: most requests and Engine.IO frames are short, and the
            // buffer is held per connection.
            try channel.syncOptions?.setOption(
                ChannelOptions.recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536)
            )
            let pendingRole = NIOLoopBoundBox<EngineIOWebSocketHandler.Role?>(nil, eventLoop: channel.eventLoop)
            let upgradeAttempted = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
            let upgrader = EngineIOWebSocketUpgrader<Outcome>(
                shouldUpgrade: { channel, head in
                    upgradeAttempted.value = true
                    let (path, query) = Self.split(uri: head.uri)
                    let headers = (try? HTTPRequest(head, secure: false, splitCookie: false))?.headerFields ?? [:]
                    guard let endpoint = endpoints.first(where: { $0.matches(path: Substring(path)) }),
                        let role = endpoint.upgradeRole(query: query, headers: headers, path: path, remoteAddress: channel.remoteAddress)
                    else {
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                    pendingRole.value = role
                    return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
                },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        let (path, _) = Self.split(uri: head.uri)
                        guard let role = pendingRole.value,
                            let endpoint = endpoints.first(where: { $0.matches(path: Substring(path)) })
                        else { throw ChannelError.inappropriateOperationForState }
                        pendingRole.value = nil
                        try channel.pipeline.syncOperations.addHandler(EngineIOWebSocketHandler(server: endpoint, role: role))
                        let high = endpoint.configuration.maxOutboundBytes
                        try channel.syncOptions?.setOption(
                            ChannelOptions.writeBufferWaterMark,
                            value: .init(low: high / 2, high: high)
                        )
                        return Outcome.webSocket
                    }
                }
            )
            let serverUpgrade = NIOTypedHTTPServerUpgradeConfiguration<Outcome>(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandlers(configuration.additionalChannelHandlers())
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPConnectionStateHandler(idleTimeout: configuration.idleTimeout.map { .init($0) }, logger: logger)
                        )
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        return upgradeAttempted.value ? .refusedUpgrade(asyncChannel) : .http(asyncChannel)
                    }
                }
            )
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<Outcome>(upgradeConfiguration: serverUpgrade)
            pipeline.enablePipelining = false
            pipeline.enableErrorHandling = false
            pipeline.enableResponseHeaderValidation = false
            pipeline.decoderConfiguration.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            pipeline.decoderConfiguration.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            pipeline.decoderConfiguration.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            let outcome = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            return Value(outcome: outcome, channel: channel)
        }
    }

    public func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.outcome.get() {
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refusedUpgrade(let http):
                await Self.writeBadRequest(http)
            case .webSocket:
                return  // the synchronous handlers own the channel from here
            }
        } catch {
            logger.debug("connection ended before its first request completed", metadata: ["error": "\(error)"])
        }
    }

    private static func writeBadRequest(_ http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>) async {
        try? await http.executeThenClose { _, outbound in
            let body = EngineIOHTTPError.badRequest("WebSocket upgrade refused").body
            let head = HTTPResponse(
                status: .badRequest,
                headerFields: [.connection: "close", .contentType: "application/json", .contentLength: String(body.readableBytes)])
            try await outbound.write(contentsOf: [.head(head), .body(body), .end(nil)])
        }
    }

    static func split(uri: String) -> (path: String, query: [String: String]) {
        guard let q = uri.firstIndex(of: "?") else { return (uri, [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: q)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]).removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).removingPercentEncoding ?? String(parts[1])) : ""
            query[key] = value
        }
        return (String(uri[..<q]), query)
    }
}

extension HTTPServerBuilder {
    /// An HTTP/1.1 server that also serves the given Engine.IO endpoints (Socket.IO included),
    /// WebSocket upgrades among them.
    ///
    /// ```swift
    /// let app = Application(router: router, server: .engineIO([socketIO.engine]), configuration: ...)
    /// ```
    public static func engineIO(_ endpoints: [EngineIOServer], configuration: HTTP1Channel.Configuration = .init()) -> HTTPServerBuilder {
        .init { responder in
            EngineIOHTTPChannel(endpoints: endpoints, configuration: configuration, responder: responder)
        }
    }
}
