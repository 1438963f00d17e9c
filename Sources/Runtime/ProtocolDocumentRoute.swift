import Hummingbird
import NIOCore

/// `GET /api/v1/asyncapi.json`: the protocol as an AsyncAPI 3.0 document (ArenaProtocol's
/// ``AsyncAPIDocument``), built once at start-up, with an ETag so clients cache it.
struct ProtocolDocumentRoute: Sendable {
    let bytes: [UInt8]
    let etag: String

    init(document: String) {
        bytes = Array(document.utf8)
        // FNV-1a over the bytes: a validator for caches, not a security check.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        etag = "\"\(String(hash, radix: 16))\""
    }

    func add(to router: Router<ArenaRequestContext>) {
        router.get("/api/v1/asyncapi.json") { request, _ in
            var headers: HTTPFields = [.eTag: etag, .cacheControl: "no-cache"]
            if let match = request.headers[.ifNoneMatch],
                match.split(separator: ",").contains(where: {
                    let tag = $0.trimmingCharacters(in: .whitespaces)
                    return tag == etag || tag == "W/" + etag || tag == "*"
                })
            {
                return Response(status: .notModified, headers: headers)
            }
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }
}
