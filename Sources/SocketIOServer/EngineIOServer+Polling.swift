import HTTPTypes
import HummingbirdCore
import NIOCore

/// An HTTP answer from the Engine.IO endpoint.
public struct EngineIOHTTPResponse: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: ByteBuffer
}

extension EngineIOServer {
    /// Answers an HTTP request to this endpoint: the polling handshake, GET (long poll), POST
    /// (client packets), CORS preflight, and the Engine.IO error answers.
    public func respond(to request: Request, channel: any Channel) async -> EngineIOHTTPResponse {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        let cors = corsHeaders(for: request.headers)

        if request.method == .options {
            var headers = cors
            headers[.accessControlAllowMethods] = "GET, POST, OPTIONS"
            if let requested = request.headers[.accessControlRequestHeaders] {
                headers[.accessControlAllowHeaders] = requested
            }
            return EngineIOHTTPResponse(status: .noContent, headers: headers, body: ByteBuffer())
        }

        let result = await respondToValidated(request: request, query: query, channel: channel)
        switch result {
        case .success(let response):
            var response = response
            response.headers.append(contentsOf: cors)
            return response
        case .failure(let error):
            var headers = cors
            headers[.contentType] = "application/json"
            return EngineIOHTTPResponse(status: error.status, headers: headers, body: error.body)
        }
    }

    private func respondToValidated(
        request: Request, query: [String: String], channel: any Channel
    ) async -> Result<EngineIOHTTPResponse, EngineIOHTTPError> {
        let valid: ValidatedQuery
        switch validate(query: query) {
        case .success(let v): valid = v
        case .failure(let error): return .failure(error)
        }
        guard valid.transport == "polling" else {
            guard request.headers[.upgrade] == nil else {
                return .failure(.badRequest("WebSocket upgrade must be its connection's first request: open a new connection"))
            }
            return .failure(.badRequest("WebSocket transport without upgrade"))
        }

        guard let sid = valid.sid else {
            guard request.method == .get else { return .failure(.badHandshakeMethod) }
            guard admitsHandshake(from: channel.remoteAddress, on: channel.eventLoop) else { return .failure(.tooManyHandshakes) }
            let handshake = EngineIOHandshake(
                headers: request.headers, path: request.uri.path, query: query,
                remoteAddress: channel.remoteAddress, transport: "polling"
            )
            let loop = channel.eventLoop
            let opened = try? await loop.submit { self.openPollingSession(handshake: handshake, eventLoop: loop) }.get()
            guard let (_, body) = opened else { return .failure(.badRequest("could not open session")) }
            return .success(Self.textResponse(body))
        }

        guard let session = session(sid) else { return .failure(.unknownSession) }
        switch request.method {
        case .get:
            do {
                let body = try await session.eventLoop.flatSubmit { session.poll() }.get()
                return .success(Self.textResponse(body))
            } catch let error as EngineIOHTTPError {
                return .failure(error)
            } catch {
                return .failure(.badRequest("poll failed"))
            }
        case .post:
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: configuration.maxPayload)
            } catch {
                session.eventLoop.execute { session.close(reason: .parseError) }
                return .failure(.payloadTooLarge)
            }
            let outcome = try? await session.eventLoop.submit { session.receivePolling(body: body) }.get()
            switch outcome {
            case .success?:
                var headers = HTTPFields()
                headers[.contentType] = "text/html"
                return .success(EngineIOHTTPResponse(status: .ok, headers: headers, body: ByteBuffer(string: "ok")))
            case .failure(let error)?:
                return .failure(error)
            case nil:
                return .failure(.unknownSession)
            }
        default:
            return .failure(.badRequest("method not allowed"))
        }
    }

    private static func textResponse(_ body: ByteBuffer) -> EngineIOHTTPResponse {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=UTF-8"
        return EngineIOHTTPResponse(status: .ok, headers: headers, body: body)
    }

    private func corsHeaders(for requestHeaders: HTTPFields) -> HTTPFields {
        var headers = HTTPFields()
        guard let origin = requestHeaders[.origin], !configuration.allowedOrigins.isEmpty else { return headers }
        guard configuration.allowedOrigins.contains("*") || configuration.allowedOrigins.contains(origin) else { return headers }
        headers[.accessControlAllowOrigin] = origin
        headers[.accessControlAllowCredentials] = "true"
        headers[.vary] = "Origin"
        return headers
    }
}
