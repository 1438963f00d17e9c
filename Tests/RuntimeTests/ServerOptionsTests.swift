import Testing

@testable import Runtime

/// The `[server]` table of plugins.conf: the runtime's limits, beside the plugins' tables.
@Suite struct ServerOptionsTests {
    func server(_ text: String) throws(ConfigError) -> ServerOptions {
        try PluginCatalog.serverOptions(PluginsFile.parse(text, path: "plugins.conf"))
    }

    @Test func theTableSetsLimitsAndThePluginsIgnoreIt() throws {
        let text = """
            [server]
            head_timeout_seconds = 5
            idle_timeout_seconds = 0
            max_headers = 50
            max_connections_per_address = 0

            [echo]
            """
        let options = try server(text)
        #expect(options.headTimeoutSeconds == 5 && options.maxHeaders == 50 && options.maxConnectionsPerAddress == 0)
        #expect(options.bodyTimeoutSeconds == ServerOptions().bodyTimeoutSeconds, "what the table leaves out keeps its default")
        #expect(options.httpLimits.headTimeout == .seconds(5))
        #expect(options.httpLimits.idleTimeout == nil, "0 turns a timeout off")
        #expect(try testCatalog.resolve(PluginsFile.parse(text, path: "plugins.conf")).map(\.name) == ["echo"])
    }

    @Test func noTableMeansTheDefaults() throws {
        #expect(try server("[echo]\n") == ServerOptions())
        #expect(ServerOptions().httpLimits == .init(), "the defaults are the HTTP limits' own")
    }

    @Test(arguments: [
        ("[server]\nmax_uri_bytes = 1\nmax_headres = 5\n", 3, "unknown option 'max_headres' in [server]"),
        ("[server]\n\nmax_headers = 0\n", 3, "[server] max_headers: 1 or more"),
        ("[server]\nhead_timeout_seconds = -1\n", 2, "[server] head_timeout_seconds: 0 (no limit) or more seconds"),
        ("[server]\nabuse_refusals = \"many\"\n", 2, "[server] abuse_refusals"),
    ])
    func badValuesAreRefusedWithTheirLine(text: String, line: Int, message: String) {
        #expect {
            try server(text)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.line == line && error.message.contains(message)
        }
    }
}
