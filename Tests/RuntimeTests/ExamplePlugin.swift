import Runtime

/// The smallest useful plugin, and the model docs/PLUGINS.md walks through: one typed event with
/// a reply, an option, a placeholder mode, a bus subscription and a migration of its own.
struct EchoPlugin: Plugin {
    struct Options: PluginOptions {
        var prefix: String = ""
        var maxLength: Int = 100

        enum CodingKeys: String, CodingKey, CaseIterable {
            case prefix
            case maxLength = "max_length"
        }
        static let optionKeys = CodingKeys.allCases.map(\.rawValue)

        init() {}

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            prefix = try container.decodeIfPresent(String.self, forKey: .prefix) ?? ""
            maxLength = try container.decodeIfPresent(Int.self, forKey: .maxLength) ?? 100
        }
    }

    /// `echo {"text"}` → `echoed {"text","by"}`.
    struct Echo: ClientEvent {
        typealias Reply = Echoed
        static let name = "echo"
        var text: String
    }

    /// `shout {"text"}` → `echoed {"text","by"}`, handled on the connection's event loop (`by`
    /// says where it ran: "loop" or "elsewhere").
    struct Shout: ClientEvent {
        typealias Reply = Echoed
        static let name = "shout"
        var text: String
    }

    struct Echoed: ServerEvent {
        static let name = "echoed"
        var text: String
        var by: String
    }

    /// Published on the bus for every echo, so another plugin can react.
    struct EchoHeard: BusEvent {
        var text: String
    }

    static let name = "echo"
    static let modes: [PluginMode] = [.full, .placeholder]
    let options: Options
    let mode: PluginMode

    init(options: Options, mode: PluginMode) throws {
        guard options.maxLength > 0 else { throw InvalidOption("max_length", expected: "a positive number of characters") }
        self.options = options
        self.mode = mode
    }

    func register(with registrar: inout Registrar) {
        let options = self.options
        let placeholder = mode == .placeholder
        registrar.migration(SQLMigration("echo.1-log", "CREATE TABLE echo_log (text TEXT NOT NULL)"))
        registrar.on(Echo.self, rateLimit: RateLimit(3, per: .seconds(10))) { echo, context in
            guard echo.text.count <= options.maxLength else {
                throw ArenaError(.init(rawValue: "TEXT_TOO_LONG"), "text is longer than \(options.maxLength) characters")
            }
            if placeholder {
                return Echoed(text: echo.text, by: "placeholder")
            }
            try context.services.database.write { db in
                try db.execute(sql: "INSERT INTO echo_log (text) VALUES (?)", arguments: [echo.text])
            }
            await context.services.bus.publish(EchoHeard(text: echo.text))
            return Echoed(text: options.prefix + echo.text, by: context.connection.identity.role.rawValue)
        }
        registrar.on(Shout.self, runsOn: .eventLoop) { shout, context in
            Echoed(text: shout.text.uppercased(), by: context.connection.eventLoop.inEventLoop ? "loop" : "elsewhere")
        }
    }
}

/// Depends on the echo plugin and listens to its bus events.
struct ListenerPlugin: Plugin {
    static let name = "listener"
    static let requires = ["echo"]

    struct Heard: ServerEvent {
        static let name = "heard"
        var text: String
    }

    init(options: NoOptions, mode: PluginMode) {}

    func register(with registrar: inout Registrar) {
        let rooms = registrar.services.rooms
        registrar.sends(Heard.self)
        registrar.onConnect { connection in connection.join("everyone") }
        registrar.subscribe(EchoPlugin.EchoHeard.self) { heard in
            rooms.emit(Heard(text: heard.text), to: ["everyone"])
        }
    }
}

let testCatalog = PluginCatalog([EchoPlugin.self, ListenerPlugin.self])
