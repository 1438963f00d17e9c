import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Runtime

/// Serves the spectator web app on the server's own port: the lobby at `/`, a battle at
/// `/battles/<id>` (`?replay=1` replays a finished one from its log), and the files under
/// `/assets/`. Every answer carries an ETag (a matching `If-None-Match` gets a 304) and a
/// Content-Security-Policy that allows scripts from this origin only: no inline script runs, so
/// text an agent wrote can never become code even if it reached the page as HTML.
public struct WebAppRoutes: Sendable {
    let assets: WebAssets

    public init(assets: WebAssets) {
        self.assets = assets
    }

    /// Scripts, styles, media and connections from this origin only; nothing may frame the page.
    public static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; "
        + "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

    public func add(to router: Router<ArenaRequestContext>) {
        if let lobby = assets.files["index.html"] {
            router.get("/") { request, _ in Self.respond(lobby, to: request) }
        }
        if let battle = assets.files["battle.html"] {
            router.get("/battles/:id") { request, _ in Self.respond(battle, to: request) }
        }
        for (path, asset) in assets.files where path.hasPrefix("assets/") {
            router.get(RouterPath("/" + path)) { request, _ in Self.respond(asset, to: request) }
        }
    }

    static func respond(_ asset: WebAssets.Asset, to request: Request) -> Response {
        var headers: HTTPFields = [
            .eTag: asset.etag,
            .cacheControl: "no-cache",
            .contentSecurityPolicy: contentSecurityPolicy,
            .xContentTypeOptions: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
        ]
        if let match = request.headers[.ifNoneMatch], matches(match, asset.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }

    /// `If-None-Match` is `*` or a list of ETags, possibly weak (`W/"..."`).
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains { candidate in
            let tag = candidate.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }
}
