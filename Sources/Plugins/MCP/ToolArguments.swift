import ArenaProtocol
import BattlePlugin
import MCP

/// A tool call's arguments, read with errors that name the tool and the argument: a wrong or
/// missing one is MCP's invalid-params error (-32602), which clients show the model as is.
struct ToolArguments {
    let tool: String
    let values: [String: Value]

    func battleId() throws -> String {
        let id = try string("battleId")
        guard id.utf8.count <= 64 else { throw invalid("battleId", "must be at most 64 characters") }
        return id
    }

    func string(_ name: String) throws -> String {
        guard let value = try optionalString(name) else { throw invalid(name, "is required (a string)") }
        return value
    }

    func optionalString(_ name: String) throws -> String? {
        guard let value = present(name) else { return nil }
        guard let string = value.stringValue, !string.isEmpty else { throw invalid(name, "must be a non-empty string") }
        return string
    }

    func bool(_ name: String) throws -> Bool? {
        guard let value = present(name) else { return nil }
        guard let bool = value.boolValue else { throw invalid(name, "must be true or false") }
        return bool
    }

    func number(_ name: String) throws -> Double? {
        guard let value = present(name) else { return nil }
        guard let number = value.doubleValue ?? value.intValue.map(Double.init), number.isFinite, number >= 0 else {
            throw invalid(name, "must be a number of seconds, 0 or more")
        }
        return number
    }

    func status(_ name: String) throws -> BattleStatus? {
        guard let raw = try optionalString(name) else { return nil }
        guard let status = BattleStatus(rawValue: raw) else {
            throw invalid(name, "must be one of \(BattleStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return status
    }

    private func present(_ name: String) -> Value? {
        guard let value = values[name], value != .null else { return nil }
        return value
    }

    private func invalid(_ name: String, _ problem: String) -> MCPError {
        .invalidParams("\(tool): argument '\(name)' \(problem)")
    }
}
