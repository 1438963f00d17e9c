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
        case refusedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, EngineIOHTTPError)
        case webSocket
    }

    public struct Value: ServerChildChannelValue {
        let outcome: EventLoopFuture<Outcome>
        public let channel: any Channel
    }

    let endpoints: [EngineIOServer]
    let configuration: HTTP1Channel.Configuration
    let limits: HTTPLimits
    /// Open connections per client address (shared by every connection of the server).
    let connections: ConnectionsPerAddress
    /// TLS in front of everything else on the port; nil: plain HTTP.
    let tls: (any TransportSecurity)?
    public let responder: HTTPChannelHandler.Responder

    /// Refused at once: the client address holds as many connections as it may.
    struct TooManyConnections: Error {}

    public init(
        endpoints: [EngineIOServer], configuration: HTTP1Channel.Configuration, limits: HTTPLimits = .init(),
        connections: ConnectionsPerAddress? = nil, tls: (any TransportSecurity)? = nil,
        responder: @escaping HTTPChannelHandler.Responder
    ) {
        self.endpoints = endpoints
        self.tls = tls
        self.configuration = configuration
        self.limits = limits
        self.connections = connections ?? ConnectionsPerAddress(limit: limits.maxConnectionsPerAddress)
        self.responder = { request, writer, channel in
            if let endpoint = endpoints.first(where: { $0.matches(path: Substring(request.uri.path)) }) {
                let response = await endpoint.respond(to: request, channel: channel)
                var headers = response.headers
                headers[.contentLength] = String(response.body.readableBytes)
                if request.headers[.connection]?.lowercased() == "close" {
                    // Hummingbird closes after this response; say so, or keep-alive clients reuse a dead socket.
                    headers[.connection] = "close"
                } else if request.headers[.upgrade] != nil {
                    // An upgrade that was not the connection's first request (a keep-alive connection
                    // reused for it, as aiohttp does): NIO's upgrade handler only looks at the first
                    // request, so it is refused here. The decoder treats what follows an upgrade
                    // request as no longer HTTP, so the connection cannot serve another request:
                    // Hummingbird's connection handler closes it once this response is written (a
                    // quiesce does that), and the client's next attempt takes a fresh one.
                    headers[.connection] = "close"
                    try? await channel.eventLoop.submit {
                        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
                    }.get()
                }
                try await writer.write(response: HTTPResponse(status: response.status, headerFields: headers), body: .init(byteBuffer: response.body))
            } else {
                try await responder(request, writer, channel)
            }
        }
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let connections = self.connections
        let limits = self.limits
        let tls = self.tls
        let secure = tls != nil
        return channel.eventLoop.makeCompletedFuture {
            let address = channel.remoteAddress?.clientKey ?? ""
            guard connections.open(address) else {
                logger.debug("connection refused: too many from its address", metadata: ["address": "\(address)"])
                channel.close(promise: nil)
                throw TooManyConnections()
            }
            channel.closeFuture.whenComplete { _ in connections.close(address) }
            let requestGuard = HTTPRequestGuard(limits: limits)
            try requestGuard.addRawSide(to: channel.pipeline.syncOperations)
            if let tls {
                // In front of the guard, which then sees the decrypted bytes (its head timeout
                // runs from the connection's start, so it bounds the TLS handshake too).
                try tls.addServerHandler(to: channel.pipeline.syncOperations)
                try channel.pipeline.syncOperations.addHandler(PlainHTTPRefusal(linger: limits.lingerTimeout), position: .first)
            }
            let guardOnLoop = NIOLoopBound(requestGuard, eventLoop: channel.eventLoop)
            // A small first read buffer: most requests and Engine.IO frames are short, and the
            // buffer is held per connection.
            try channel.syncOptions?.setOption(
                ChannelOptions.recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536)
            )
            let pendingRole = NIOLoopBoundBox<EngineIOWebSocketHandler.Role?>(nil, eventLoop: channel.eventLoop)
            /// Set when an upgrade was asked for and refused, with why.
            let upgradeRefusal = NIOLoopBoundBox<EngineIOHTTPError?>(nil, eventLoop: channel.eventLoop)
            let upgrader = EngineIOWebSocketUpgrader<Outcome>(
                shouldUpgrade: { channel, head in
                    upgradeRefusal.value = .badRequest("WebSocket upgrade refused")
                    let (path, query) = Self.split(uri: head.uri)
                    let headers = (try? HTTPRequest(head, secure: secure, splitCookie: false))?.headerFields ?? [:]
                    guard let endpoint = endpoints.first(where: { $0.matches(path: Substring(path)) }) else {
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                    let decision = endpoint.upgradeRole(
                        query: query, headers: headers, path: path, remoteAddress: channel.remoteAddress, eventLoop: channel.eventLoop)
                    let role: EngineIOWebSocketHandler.Role
                    switch decision {
                    case .success(let decided): role = decided
                    case .failure(let error):
                        // Engine.IO's own refusals keep the historical 400, with its code; a
                        // handshake over the address's budget is 429.
                        if error == .tooManyHandshakes { upgradeRefusal.value = error }
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                    upgradeRefusal.value = nil
                    pendingRole.value = role
                    guardOnLoop.value.upgradeAccepted()
                    return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
                },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        let (path, _) = Self.split(uri: head.uri)
                        guard let role = pendingRole.value,
                            let endpoint = endpoints.first(where: { $0.matches(path: Substring(path)) })
                        else { throw ChannelError.inappropriateOperationForState }
                        pendingRole.value = nil
                        guardOnLoop.value.remove(from: channel.pipeline.syncOperations)
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
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: secure))
                        try channel.pipeline.syncOperations.addHandlers(configuration.additionalChannelHandlers())
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPConnectionStateHandler(idleTimeout: configuration.idleTimeout.map { .init($0) }, logger: logger)
                        )
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true)
                        )
                        if let refusal = upgradeRefusal.value { return .refusedUpgrade(asyncChannel, refusal) }
                        return .http(asyncChannel)
                    }
                }
            )
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<Outcome>(upgradeConfiguration: serverUpgrade)
            pipeline.enablePipelining = false
            pipeline.enableErrorHandling = false
            pipeline.enableResponseHeaderValidation = false
            // The tighter of Hummingbird's decoder limits and ours.
            let decoderLimits = HTTPRequestGuard.decoderLimits(limits)
            pipeline.decoderConfiguration.maxHeaderFieldSize = min(configuration.httpDecoder.maxHeaderFieldSize, decoderLimits.fieldSize)
            pipeline.decoderConfiguration.maxHeaderListSize = min(configuration.httpDecoder.maxHeaderListSize, decoderLimits.listSize)
            pipeline.decoderConfiguration.maxHeaderFieldCount = min(configuration.httpDecoder.maxHeaderFieldCount, decoderLimits.fieldCount)
            let outcome = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            // Between NIO's decoder and the upgrade handler, so it sees every request part and
            // every response (Hummingbird's, and the upgrade's own).
            let upgradeHandler = try channel.pipeline.syncOperations.handler(type: NIOTypedHTTPServerUpgradeHandler<Outcome>.self)
            try requestGuard.addPartSide(to: channel.pipeline.syncOperations, before: upgradeHandler)
            return Value(outcome: outcome, channel: channel)
        }
    }

    public func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.outcome.get() {
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .refusedUpgrade(let http, let error):
                await Self.writeRefusal(http, error)
            case .webSocket:
                return  // the synchronous handlers own the channel from here
            }
        } catch {
            logger.debug("connection ended before its first request completed", metadata: ["error": "\(error)"])
        }
    }

    private static func writeRefusal(_ http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, _ error: EngineIOHTTPError) async {
        try? await http.executeThenClose { _, outbound in
            let body = error.body
            let head = HTTPResponse(
                status: error.status,
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
    ///
    /// `limits` bound what a connection may send before the application sees a request
    /// (``HTTPLimits``); the defaults suit a server open to the internet. With `tls`, the port
    /// speaks only TLS (https and wss); a plain-HTTP request gets 400 `TLS_REQUIRED`.
    public static func engineIO(
        _ endpoints: [EngineIOServer], configuration: HTTP1Channel.Configuration = .init(), limits: HTTPLimits = .init(),
        tls: (any TransportSecurity)? = nil
    ) -> HTTPServerBuilder {
        let connections = ConnectionsPerAddress(limit: limits.maxConnectionsPerAddress)
        return .init { responder in
            EngineIOHTTPChannel(
                endpoints: endpoints, configuration: configuration, limits: limits, connections: connections, tls: tls,
                responder: responder)
        }
    }
}
