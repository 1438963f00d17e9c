import BattlePlugin
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Runtime
import RuntimeTesting
import Testing

/// The spectator web app is served by the server itself: pages and assets with an ETag (304 on
/// a match) and a Content-Security-Policy that allows no inline script.
@Suite struct WebAppRoutesTests {
    @Test func pagesAndAssetsCarryAnETagAndAStrictPolicy() async throws {
        let f = try await BattleFixture.start()
        try await f.arena.withHTTP { http in
            for (uri, type) in [("/", "text/html"), ("/battles/btl_any", "text/html"), ("/assets/battle.js", "text/javascript")] {
                let page = try await http.execute(uri: uri, method: .get, headers: [:], body: nil)
                #expect(page.status == .ok, "\(uri)")
                #expect(page.headers[.contentType]?.hasPrefix(type) == true, "\(uri)")
                let policy = try #require(page.headers[.contentSecurityPolicy])
                #expect(policy.contains("script-src 'self'"))
                #expect(!policy.contains("unsafe-inline"))
                let etag = try #require(page.headers[.eTag])
                let again = try await http.execute(uri: uri, method: .get, headers: [.ifNoneMatch: etag], body: nil)
                #expect(again.status == .notModified, "\(uri)")
                #expect(again.body.readableBytes == 0)
                let changed = try await http.execute(uri: uri, method: .get, headers: [.ifNoneMatch: "\"other\""], body: nil)
                #expect(changed.status == .ok)
            }
            let lobby = try await http.execute(uri: "/", method: .get, headers: [:], body: nil)
            #expect(String(buffer: lobby.body).contains("<script type=\"module\" src=\"/assets/lobby.js\"></script>"))
            #expect(try await http.execute(uri: "/assets/missing.js", method: .get, headers: [:], body: nil).status == .notFound)
        }
    }
}
