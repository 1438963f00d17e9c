import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// One JSON request per connection to the server's HTTP API, for a scenario's setup and its
/// checks afterwards (a few requests, so simplicity wins over keep-alive). The load itself
/// never goes through here.
struct HTTPJSONClient: Sendable {
    let target: BenchTarget
    let group: any EventLoopGroup
    var timeout: TimeAmount = .seconds(30)

    struct Response: Sendable {
        var status: Int
        var body: [UInt8]
    }

    /// Sends `body` as JSON and decodes the answer; any status but `expecting` is an error
    /// quoting the server's answer.
    func send<Answer: Decodable>(
        _ method: HTTPMethod, _ path: String, body: (some Encodable)?, bearer: String? = nil,
        expecting: Int, as type: Answer.Type
    ) async throws -> Answer {
        let bytes = try body.map { Array(try JSONEncoder().encode($0)) }
        let response = try await request(method, path, body: bytes, bearer: bearer)
        guard response.status == expecting else {
            throw BenchError("\(method) \(path) answered \(response.status): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: Data(response.body))
        } catch {
            throw BenchError("\(method) \(path): unexpected answer (\(error)): \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
    }

    func get<Answer: Decodable>(_ path: String, bearer: String? = nil, as type: Answer.Type) async throws -> Answer {
        try await send(.GET, path, body: Optional<[String: String]>.none, bearer: bearer, expecting: 200, as: type)
    }

    func request(_ method: HTTPMethod, _ path: String, body: [UInt8]?, bearer: String?) async throws -> Response {
        let loop = group.any()
        let promise = loop.makePromise(of: Response.self)
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: target.authority)
        head.headers.add(name: "Connection", value: "close")
        head.headers.add(name: "Accept", value: "application/json")
        if let bearer { head.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if let body {
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: "\(body.count)")
        }
        let channel = try await ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                }
            }
            .connect(host: target.host, port: target.port).get()
        let timeout = loop.scheduleTask(in: timeout) {
            promise.fail(BenchError("\(method) \(path): no answer within \(self.timeout.nanoseconds / 1_000_000_000) s"))
            channel.close(promise: nil)
        }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer { timeout.cancel() }
        let response = try await promise.futureResult.get()
        channel.close(promise: nil)
        return response
    }
}

/// Gathers one response; completes the promise at its end (or fails it if the connection ends
/// first).
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<HTTPJSONClient.Response>
    private var status = 0
    private var body: [UInt8] = []

    init(promise: EventLoopPromise<HTTPJSONClient.Response>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(var buffer):
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            promise.succeed(.init(status: status, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(BenchError("the server closed the connection before answering"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
