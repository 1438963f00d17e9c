import Foundation
import SocketIOProtocol
import TOMLKit

/// Why plugins.conf was refused: where, and what was expected. Start-up stops on it.
public struct ConfigError: Error, Sendable, CustomStringConvertible, Equatable {
    public var path: String
    public var line: Int?
    public var message: String

    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}

/// plugins.conf, parsed: one TOML table per plugin. Parsing is TOMLKit's; this type adds the
/// runtime's rules (reserved `enabled` and `mode` keys) and remembers lines for error messages.
public struct PluginsFile: Sendable {
    public struct Section: Sendable {
        public var name: String
        /// Line of the `[name]` header.
        public var line: Int
        public var enabled: Bool
        public var mode: PluginMode?
        /// The plugin's own options, as JSON, keyed as in the file.
        public var options: [String: JSONValue]
        /// Line of each key inside the table.
        public var keyLines: [String: Int]
    }

    public var path: String
    public var sections: [Section]

    /// The runtime's own table (``ServerOptions``), not a plugin's.
    public static let serverTable = "server"

    /// The plugins' sections that run (present, and not `enabled = false`).
    public var enabledSections: [Section] { sections.filter { $0.enabled && $0.name != Self.serverTable } }

    public static func load(path: String) throws(ConfigError) -> PluginsFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(path: path, line: nil, message: "cannot read the file")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    public static func parse(_ text: String, path: String = "plugins.conf") throws(ConfigError) -> PluginsFile {
        if let (line, problem) = TOMLPreflight.firstUnreadableLine(in: text) {
            throw ConfigError(path: path, line: line, message: "invalid TOML: \(problem)")
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(path: path, line: error.source.begin.line, message: "invalid TOML: \(error.description)")
        } catch {
            throw ConfigError(path: path, line: nil, message: "invalid TOML: \(error)")
        }
        let lines = LineIndex(text)
        var sections: [Section] = []
        for name in table.keys {
            let headerLine = lines.header(name)
            guard let pluginTable = table[name]?.table else {
                throw ConfigError(path: path, line: lines.key(name, in: nil), message: "'\(name)' must be a table ([\(name)]), one per plugin")
            }
            let json: JSONValue
            do {
                json = try JSONParser.parse(pluginTable.convert(to: .json))
            } catch {
                throw ConfigError(path: path, line: headerLine, message: "[\(name)] could not be read: \(error)")
            }
            guard case .object(let members) = json else { continue }
            var section = Section(name: name, line: headerLine ?? 0, enabled: true, mode: nil, options: [:], keyLines: [:])
            for member in members {
                let keyLine = lines.key(member.key, in: name)
                section.keyLines[member.key] = keyLine
                switch member.key {
                case "enabled":
                    guard case .bool(let enabled) = member.value else {
                        throw ConfigError(path: path, line: keyLine, message: "[\(name)] enabled must be true or false")
                    }
                    section.enabled = enabled
                case "mode":
                    guard case .string(let mode) = member.value else {
                        throw ConfigError(path: path, line: keyLine, message: "[\(name)] mode must be a string")
                    }
                    section.mode = PluginMode(rawValue: mode)
                default:
                    section.options[member.key] = member.value
                }
            }
            sections.append(section)
        }
        sections.sort { $0.line < $1.line }
        return PluginsFile(path: path, sections: sections)
    }
}

/// Finds the line of a table header or key in TOML text, for error messages (TOMLKit does not
/// keep source positions of values).
struct LineIndex {
    private var headers: [String: Int] = [:]
    private var keys: [String: [String: Int]] = [:]

    init(_ text: String) {
        var table = ""
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
                table = line[line.index(after: line.startIndex)..<close].trimmingCharacters(in: .whitespaces)
                headers[table] = headers[table] ?? number + 1
            } else if let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
                var key = line[..<equals].trimmingCharacters(in: .whitespaces)
                if key.hasPrefix("\""), key.hasSuffix("\""), key.count >= 2 { key = String(key.dropFirst().dropLast()) }
                keys[table, default: [:]][key] = keys[table]?[key] ?? number + 1
            }
        }
    }

    func header(_ table: String) -> Int? { headers[table] }
    func key(_ key: String, in table: String?) -> Int? { keys[table ?? ""]?[key] }
}
