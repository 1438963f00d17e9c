import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /api/v1/asyncapi.json`: the protocol document of this server's enabled plugins
/// (``ProtocolDocument``), built once at start-up, with an ETag (a matching `If-None-Match`
/// gets a 304).
struct ProtocolDocumentRoute: Sendable {
    static let path = "/api/v1/asyncapi.json"

    let bytes: [UInt8]
    let etag: String

    init(_ document: ProtocolDocument) throws {
        bytes = Array(try document.text().utf8)
        etag = "\"" + SHA256.hash(data: bytes).prefix(16).map { String(format: "%02x", $0) }.joined() + "\""
    }

    func add(to router: Router<ArenaRequestContext>) {
        router.get(RouterPath(Self.path)) { request, _ in respond(to: request) }
    }

    func respond(to request: Request) -> Response {
        var headers: HTTPFields = [.eTag: etag, .cacheControl: "no-cache"]
        if let match = request.headers[.ifNoneMatch], Self.matches(match, etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = "application/json"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `If-None-Match` is `*` or a list of ETags, possibly weak (`W/"..."`).
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }
}
