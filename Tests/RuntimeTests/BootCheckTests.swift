import Runtime
import RuntimeTesting
import Testing

@Suite struct BootCheckTests {
    struct Clash: Plugin {
        static let name = "clash"
        init(options: NoOptions, mode: PluginMode) {}
        func register(with registrar: inout Registrar) {
            registrar.on(EchoPlugin.Echo.self) { echo, _ in EchoPlugin.Echoed(text: echo.text, by: "clash") }
        }
    }

    struct Squatter: Plugin {
        static let name = "squatter"
        init(options: NoOptions, mode: PluginMode) {}
        func register(with registrar: inout Registrar) {
            registrar.migration(SQLMigration("echo.2-steal"))
        }
    }

    static let catalog = PluginCatalog([EchoPlugin.self, Clash.self, Squatter.self])

    @Test func twoPluginsHandlingOneEventStopStartUpNamingBoth() async {
        await #expect {
            _ = try await ArenaTestHarness.start(pluginsConf: "[echo]\n[clash]\n", catalog: Self.catalog)
        } throws: { error in
            "\(error)" == "event 'echo' is handled by both [echo] and [clash]"
        }
    }

    @Test func migrationOutsideThePluginsPrefixStopsStartUp() async {
        await #expect {
            _ = try await ArenaTestHarness.start(pluginsConf: "[squatter]\n", catalog: Self.catalog)
        } throws: { error in
            "\(error)".contains("must be named 'squatter.<name>'")
        }
    }
}

@Suite struct ExtensionPointBootTests {
    struct Needy: Plugin {
        struct Missing: Sendable {}
        static let name = "needy"
        init(options: NoOptions, mode: PluginMode) {}
        func register(with registrar: inout Registrar) throws {
            _ = try registrar.resolve(Missing.self)
        }
    }

    static let point = ExtensionPoint<String>("owner.greeting", .atMostOne)

    struct Owner: Plugin {
        static let name = "owner"
        init(options: NoOptions, mode: PluginMode) {}
        func register(with registrar: inout Registrar) {
            let greetings = registrar.declare(ExtensionPointBootTests.point)
            registrar.on(EchoPlugin.Echo.self) { _, _ in EchoPlugin.Echoed(text: greetings.one ?? "none", by: "owner") }
        }
    }

    struct Greeter: Plugin {
        static let name = "greeter"
        static let requires = ["owner"]
        init(options: NoOptions, mode: PluginMode) {}
        func register(with registrar: inout Registrar) {
            registrar.contribute("hello", to: ExtensionPointBootTests.point)
        }
    }

    struct Stray: Plugin {
        static let name = "stray"
        init(options: NoOptions, mode: PluginMode) {}
        func register(with registrar: inout Registrar) {
            registrar.contribute("hi", to: ExtensionPointBootTests.point)
        }
    }

    static let catalog = PluginCatalog([Needy.self, Owner.self, Greeter.self, Stray.self])

    @Test func aMissingServiceStopsStartUpNamingItAndThePlugin() async {
        await #expect {
            _ = try await ArenaTestHarness.start(pluginsConf: "[needy]\n", catalog: Self.catalog)
        } throws: { error in
            "\(error)".hasPrefix("[needy] needs Missing, which no enabled plugin provides")
        }
    }

    @Test func aContributionReachesTheDeclaringPluginOnceTheServerRuns() async throws {
        let arena = try await ArenaTestHarness.start(pluginsConf: "[owner]\n[greeter]\n", catalog: Self.catalog)
        let client = try await arena.connect()
        #expect(try await client.emit("echo", ["text": "x"])["text"] == "hello")
        let alone = try await ArenaTestHarness.start(pluginsConf: "[owner]\n", catalog: Self.catalog)
        #expect(try await alone.connect().emit("echo", ["text": "x"])["text"] == "none")
    }

    @Test func aSecondContributorToAOneOnlyPointOrOneWithoutADeclarationStopsStartUp() async {
        await #expect {
            _ = try await ArenaTestHarness.start(pluginsConf: "[owner]\n[greeter]\n[stray]\n", catalog: Self.catalog)
        } throws: { error in
            "\(error)" == "extension point 'owner.greeting' of [owner] takes one contribution, but [greeter] and [stray] both contribute"
        }
        await #expect {
            _ = try await ArenaTestHarness.start(pluginsConf: "[stray]\n", catalog: Self.catalog)
        } throws: { error in
            "\(error)" == "[stray] contributes to extension point 'owner.greeting', which no enabled plugin declares"
        }
    }
}
