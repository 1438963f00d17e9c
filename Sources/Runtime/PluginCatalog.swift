import SocketIOProtocol

/// The plugins a binary knows, by name. The composition root lists them; plugins.conf picks
/// which run. The runtime itself names none.
public struct PluginCatalog: Sendable {
    public let types: [any Plugin.Type]

    public init(_ types: [any Plugin.Type]) {
        self.types = types
    }

    func type(named name: String) -> (any Plugin.Type)? {
        types.first { $0.name == name }
    }
}

/// A plugin built from its plugins.conf section.
public struct ResolvedPlugin: Sendable {
    public let name: String
    public let mode: PluginMode
    public let plugin: any Plugin
}

extension PluginCatalog {
    /// Checks plugins.conf against the catalog and builds the enabled plugins in dependency
    /// order. Unknown plugins, modes, options or values, and missing requirements, are refused
    /// with the file, line and what was expected.
    public func resolve(_ file: PluginsFile) throws(ConfigError) -> [ResolvedPlugin] {
        let enabled = file.enabledSections
        let enabledNames = Set(enabled.map(\.name))
        var built: [String: ResolvedPlugin] = [:]
        for section in file.sections where section.name != PluginsFile.serverTable {
            guard let type = type(named: section.name) else {
                let known = types.map { $0.name }.sorted().joined(separator: ", ")
                throw ConfigError(path: file.path, line: section.line, message: "unknown plugin [\(section.name)]; expected one of: \(known)")
            }
            guard section.enabled else { continue }
            for requirement in type.requires where !enabledNames.contains(requirement) {
                throw ConfigError(
                    path: file.path, line: section.line,
                    message: "plugin [\(section.name)] requires plugin [\(requirement)], which is not enabled"
                )
            }
            built[section.name] = try Self.build(type, section: section, path: file.path)
        }
        // Dependency order: a plugin after everything it requires, otherwise file order.
        var ordered: [ResolvedPlugin] = []
        var placed: Set<String> = []
        func place(_ name: String, chain: [String]) throws(ConfigError) {
            guard !placed.contains(name), let plugin = built[name] else { return }
            guard !chain.contains(name) else {
                throw ConfigError(
                    path: file.path, line: nil, message: "plugins require each other in a cycle: \((chain + [name]).joined(separator: " -> "))")
            }
            for requirement in Swift.type(of: plugin.plugin).requires {
                try place(requirement, chain: chain + [name])
            }
            placed.insert(name)
            ordered.append(plugin)
        }
        for section in enabled {
            try place(section.name, chain: [])
        }
        return ordered
    }

    private static func build<P: Plugin>(_ type: P.Type, section: PluginsFile.Section, path: String) throws(ConfigError) -> ResolvedPlugin {
        let mode = section.mode ?? .full
        guard P.modes.contains(mode) else {
            throw ConfigError(
                path: path, line: section.keyLines["mode"] ?? section.line,
                message: "[\(P.name)] mode = \"\(mode)\" is not supported; expected one of: \(P.modes.map { "\"\($0)\"" }.joined(separator: ", "))"
            )
        }
        let options = try decode(P.Options.self, section: section, table: P.name, path: path)
        do {
            return ResolvedPlugin(name: P.name, mode: mode, plugin: try P(options: options, mode: mode))
        } catch let error as ConfigError {
            throw error
        } catch let error as InvalidOption {
            throw ConfigError(path: path, line: section.keyLines[error.key] ?? section.line, message: "[\(P.name)] \(error.key): \(error.expected)")
        } catch {
            throw ConfigError(path: path, line: section.line, message: "[\(P.name)] \(error)")
        }
    }

    /// The `[server]` table of plugins.conf (the runtime's own, not a plugin's), or its defaults
    /// when the file has none; refused with the line like a plugin's options.
    public static func serverOptions(_ file: PluginsFile) throws(ConfigError) -> ServerOptions {
        guard let section = file.sections.first(where: { $0.name == PluginsFile.serverTable }) else { return ServerOptions() }
        let options = try decode(ServerOptions.self, section: section, table: PluginsFile.serverTable, path: file.path)
        do {
            return try options.validated()
        } catch {
            throw ConfigError(path: file.path, line: section.keyLines[error.key] ?? section.line, message: "[server] \(error.key): \(error.expected)")
        }
    }

    /// A table's options: unknown keys and values of the wrong type are refused with their line.
    private static func decode<O: PluginOptions>(
        _ type: O.Type, section: PluginsFile.Section, table: String, path: String
    ) throws(ConfigError)
        -> O
    {
        let known = Set(O.optionKeys)
        for key in section.options.keys.sorted() where !known.contains(key) {
            let expected = known.isEmpty ? "this plugin takes no options" : "expected one of: \(O.optionKeys.joined(separator: ", "))"
            throw ConfigError(path: path, line: section.keyLines[key], message: "unknown option '\(key)' in [\(table)]; \(expected)")
        }
        do {
            return try decodeOptions(O.self, section.options)
        } catch {
            let (key, problem) = describeOptionError(error, O.self, section.options)
            throw ConfigError(
                path: path, line: key.flatMap { section.keyLines[$0] } ?? section.line,
                message: "[\(table)] " + (key.map { "\($0): " } ?? "") + problem
            )
        }
    }

    private static func decodeOptions<O: PluginOptions>(_ type: O.Type, _ options: [String: JSONValue]) throws -> O {
        try ArenaJSON.decode(O.self, from: .object(options.sorted { $0.key < $1.key }.map { JSONMember($0.key, $0.value) }))
    }

    /// Which option is wrong and what was expected. When the error does not say which key
    /// failed, each option is tried alone to find it.
    private static func describeOptionError<O: PluginOptions>(_ error: any Error, _ type: O.Type, _ options: [String: JSONValue]) -> (String?, String)
    {
        var key = (error as? DecodingError).flatMap(firstKey)
        if key == nil {
            key = options.keys.sorted().first { name in
                (try? decodeOptions(type, [name: options[name]!])) == nil
            }
        }
        guard let key, let value = options[key] else {
            return (nil, AnyEventHandler.describe(error).replacingOccurrences(of: "payload", with: "options"))
        }
        switch (error as? DecodingError, value) {
        case (.typeMismatch(let expected, _)?, _):
            return (key, "expected \(AnyEventHandler.typeName(expected))")
        case (_, .double(let number)) where number.rounded() != number:
            return (key, "expected a whole number, not \(number)")
        case (.dataCorrupted(let context)?, _) where !context.codingPath.isEmpty:
            return (key, "invalid value \(JSONWriter.string(value)) (\(context.debugDescription))")
        default:
            return (key, "invalid value \(JSONWriter.string(value))")
        }
    }

    private static func firstKey(_ error: DecodingError) -> String? {
        let path: [any CodingKey]
        switch error {
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
        @unknown default: return nil
        }
        return path.first?.stringValue
    }
}

/// Thrown from a plugin's `init(options:mode:)` when an option has a value of the right type but
/// outside what the plugin accepts; start-up stops naming the key, its line and `expected`.
public struct InvalidOption: Error, Sendable {
    public var key: String
    public var expected: String

    public init(_ key: String, expected: String) {
        self.key = key
        self.expected = expected
    }
}
