import Foundation
import Hummingbird
import NIOCore
import SocketIOProtocol

/// The request context of the runtime's HTTP routes.
public struct ArenaRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The IP address the request came from (empty when unknown, as in router tests).
    public var remoteIP: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteIP = source.channel.remoteAddress?.ipAddress ?? ""
    }

    /// Request bodies are small JSON documents.
    public var maxUploadSize: Int { 64 * 1024 }
}

extension ArenaError: HTTPResponseError {
    /// `{"error":{"code","message"}}`, with `retryAfterMs` and a `Retry-After` header (whole
    /// seconds, rounded up) when the error says when to try again (RATE_LIMITED).
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var error: [JSONMember] = [JSONMember("code", .string(code.rawValue)), JSONMember("message", .string(message))]
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfterMs {
            error.append(JSONMember("retryAfterMs", .int(Int64(retryAfterMs))))
            headers[.retryAfter] = String((max(retryAfterMs, 0) + 999) / 1000)
        }
        var bytes: [UInt8] = []
        JSONWriter.write(.object([JSONMember("error", .object(error))]), into: &bytes)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// Turns any error a route throws into the API's error shape; unexpected errors are logged and
/// answered as INTERNAL_ERROR without their details.
struct ArenaErrorMiddleware: RouterMiddleware {
    typealias Context = ArenaRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ArenaError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            let code: ErrorCode =
                switch error.status {
                case .notFound: .notFound
                case .contentTooLarge: .payloadTooLarge
                default: .invalidPayload
                }
            return try ArenaError(code, error.body ?? error.status.reasonPhrase, status: error.status).response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try ArenaError(.payloadTooLarge, "request body is larger than \(context.maxUploadSize) bytes", status: .contentTooLarge).response(
                from: request, context: context)
        } catch is DecodingError {
            return try ArenaError.invalidPayload("request body does not match the expected JSON").response(from: request, context: context)
        } catch {
            let answer = ArenaError.answering(error)
            if answer.code == .internalError {
                context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            }
            return try answer.response(from: request, context: context)
        }
    }
}

extension Request {
    /// Decodes a JSON body with the API's conventions; a malformed body is INVALID_PAYLOAD.
    public func decodeJSON<T: Decodable>(_ type: T.Type, context: ArenaRequestContext) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: context.maxUploadSize)
        } catch is NIOTooManyBytesError {
            throw ArenaError(.payloadTooLarge, "request body is larger than \(context.maxUploadSize) bytes", status: .contentTooLarge)
        }
        do {
            return try ArenaJSON.decoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw ArenaError.invalidPayload(AnyEventHandler.describe(error))
        }
    }

    /// Who sent the request, for limits: `ip:<address>`, the first address of
    /// `trustedProxyHeader` when the operator names the header a trusted reverse proxy sets (the
    /// rule ``Connection/clientKey(trustedProxyHeader:)`` follows for sockets).
    public func clientKey(context: ArenaRequestContext, trustedProxyHeader: String = "") -> String {
        "ip:\(ClientAddress.forwarded(in: headers, trustedProxyHeader: trustedProxyHeader) ?? context.remoteIP)"
    }

    /// The bearer token of an `Authorization: Bearer` header.
    public var bearerToken: String? {
        guard let value = headers[.authorization], value.lowercased().hasPrefix("bearer ") else { return nil }
        return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
}

/// Encodes a typed value as a JSON response with the API's conventions.
public func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let bytes = try ArenaJSON.encode(value)
    return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
}
