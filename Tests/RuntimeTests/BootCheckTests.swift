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
            registrar.migration("echo.2-steal") { _ in }
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
