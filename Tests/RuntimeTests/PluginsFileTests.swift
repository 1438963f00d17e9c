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

    /// Found by fuzz-plugins-conf (fuzz/): toml++ asserts, and so aborts the process, on a table
    /// header whose name starts with neither a bare-key character nor a quote, and on a date-time
    /// without its time. The fuzzer's own inputs: `[` and a byte that is not UTF-8 (read as
    /// U+FFFD); the same after a byte order mark; `n=1979-05-27T:`.
    @Test(arguments: [
        ("[\u{FFFD}", 1), ("\u{FEFF}[\u{13}", 1), ("[!]", 1), ("[.a]", 1), ("[é]", 1), ("[ é]", 1), ("[\té]", 1),
        ("[[!]]", 1), ("[#]", 1), ("[echo]\nx = 1\n\n[=]\n", 4), ("[\n", 1), ("[echo]\ns = \"\"\"\n[ok]\n\"\"\"\n[😀]", 5),
    ])
    func aTableNameThatIsNeitherBareNorQuotedIsRefusedWithItsLine(text: String, line: Int) {
        expectRefusal(text, line: line, saying: "a table name is letters, digits, _ and -, or quoted")
    }

    @Test(arguments: [("n=1979-05-27T:", 1), ("[t]\nn = [1, 1979-05-27t]", 2), ("[t]\nn = 1979-05-27T", 2)])
    func aDateTimeWithoutItsTimeIsRefusedWithItsLine(text: String, line: Int) {
        expectRefusal(text, line: line, saying: "a date-time has its time (HH:MM:SS) right after the T")
    }

    /// Found by fuzz-plugins-conf: toml++ asserts on a `}` where an array expects a value (`s=[}`,
    /// also after a comment or a nested `[`). Refused as any closer that does not match its opener.
    @Test(arguments: [("s=[}", 1), ("[t]\ns = [[}]", 2), ("[t]\ns = [ # c\n}", 3), ("[t]\ns = {a = [1}", 2), ("[t]\ns = [{a = 1]]", 2)])
    func aBracketClosedByTheWrongKindIsRefusedWithItsLine(text: String, line: Int) {
        expectRefusal(text, line: line, saying: "brackets and braces must match")
    }

    private func expectRefusal(_ text: String, line: Int, saying message: String) {
        #expect {
            try PluginsFile.parse(text, path: "plugins.conf")
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.line == line && error.message.contains(message)
        }
    }

    @Test(arguments: [
        "d = 1979-05-27T07:32:00Z", "d = 1979-05-27 # a date", "d = 1979-05-27 07:32:00", "1979-05-27 = 1",
        "[\"é\"]\nx = 1", "['!']", "[ a . b ]", "[a.\"é\"]", "[t]\n[[t.a]]\n[[t.a]]",
        "x = [\n  [+1],\n  [{ a = 1 }],\n  [[2]],\n]\n[u]", "# [!]\n[u]", "s = \"\"\"\n[!] in a string\n\"\"\"",
        "s = '''\n[é]\n'''", "s = \"[!]\"\n[u]",
    ])
    func headersAndValuesThatLookLikeThemStillParse(text: String) throws {
        // Values under a table: plugins.conf takes no key outside one.
        let file = try PluginsFile.parse(text.hasPrefix("[") || text.hasPrefix("#") ? text : "[t]\n" + text, path: "plugins.conf")
        #expect(!file.sections.isEmpty)
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
