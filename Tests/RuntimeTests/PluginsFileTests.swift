import Testing
@testable import Runtime

@Suite struct PluginsFileTests {
    func resolve(_ text: String) throws(ConfigError) -> [ResolvedPlugin] {
        try testCatalog.resolve(PluginsFile.parse(text, path: "plugins.conf"))
    }

    func error(_ text: String) -> ConfigError? {
        do {
            _ = try resolve(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func goodFileResolvesInDependencyOrder() throws {
        let plugins = try resolve(
            """
            [listener]

            [echo]
            prefix = "> "
            max_length = 5
            """)
        #expect(plugins.map(\.name) == ["echo", "listener"])
        let echo = try #require(plugins.first?.plugin as? EchoPlugin)
        #expect(echo.options.prefix == "> ")
        #expect(echo.options.maxLength == 5)
    }

    @Test func disabledPluginDoesNotRun() throws {
        let plugins = try resolve("[echo]\nenabled = false\n")
        #expect(plugins.isEmpty)
    }

    @Test func unknownPluginIsRefusedWithItsLine() {
        let error = error("[echo]\n\n[teleport]\n")
        #expect(error?.line == 3)
        #expect(error?.message.contains("unknown plugin [teleport]") == true)
        #expect(error?.message.contains("expected one of: echo, listener") == true)
    }

    @Test func missingDependencyNamesBothPlugins() {
        let error = error("[listener]\n")
        #expect(error?.line == 1)
        #expect(error?.message == "plugin [listener] requires plugin [echo], which is not enabled")
    }

    @Test func dependencyDisabledCountsAsMissing() {
        let error = error("[echo]\nenabled = false\n[listener]\n")
        #expect(error?.message.contains("requires plugin [echo]") == true)
    }

    @Test func unknownOptionIsRefusedWithItsLineAndTheKnownOptions() {
        let error = error("[echo]\nprefix = \"x\"\nmax_lenght = 3\n")
        #expect(error?.line == 3)
        #expect(error?.message == "unknown option 'max_lenght' in [echo]; expected one of: prefix, max_length")
    }

    @Test func badValueTypeIsRefusedWithItsLine() {
        let error = error("[echo]\n# comment\nmax_length = \"long\"\n")
        #expect(error?.line == 3)
        #expect(error?.message.contains("max_length") == true)
    }

    @Test func fractionalNumberForAWholeNumberOptionNamesTheOption() {
        let error = error("[echo]\nprefix = \"x\"\nmax_length = 1.5\n")
        #expect(error?.line == 3)
        #expect(error?.message == "[echo] max_length: expected a whole number, not 1.5")
    }

    @Test func wrongTypeSaysWhatWasExpected() {
        let error = error("[echo]\nprefix = 7\n")
        #expect(error?.line == 2)
        #expect(error?.message == "[echo] prefix: expected a string")
    }

    @Test func valueOutsideWhatThePluginAcceptsIsRefusedWithItsLine() {
        let error = error("[echo]\nmax_length = 0\n")
        #expect(error?.line == 2)
        #expect(error?.message == "[echo] max_length: a positive number of characters")
    }

    @Test func unsupportedModeIsRefused() {
        let error = error("[listener]\nmode = \"placeholder\"\n[echo]\n")
        #expect(error?.line == 2)
        #expect(error?.message.contains("mode = \"placeholder\" is not supported") == true)
    }

    @Test func invalidTOMLIsRefusedWithItsLine() {
        let error = error("[echo]\nprefix = \n")
        #expect(error?.line == 2)
        #expect(error?.message.hasPrefix("invalid TOML") == true)
    }

    @Test func describesItselfAsFileLineMessage() {
        #expect(ConfigError(path: "plugins.conf", line: 4, message: "boom").description == "plugins.conf:4: boom")
    }
}
