import Foundation
import SocketIOProtocol

/// A typed handler with its types erased: decodes and validates the payload, runs the handler,
/// and encodes the reply once (for both the ack and the reply event).
struct AnyEventHandler: Sendable {
    struct Outcome: Sendable {
        let replyName: String
        let replyJSON: [UInt8]
    }

    /// Decodes and validates, runs `admit` (the rate limit), then the handler.
    let run: @Sendable (JSONValue?, EventContext, @Sendable () async throws -> Void) async throws -> Outcome

    init<E: ClientEvent>(_ type: E.Type, _ handler: @escaping @Sendable (E, EventContext) async throws -> E.Reply) {
        run = { argument, context, admit in
            if let argument, let field = Self.pathOfOverflowingNumber(in: argument) {
                // JSON numbers past Double's range parse as infinity, which would come back as null.
                throw ArenaError.invalidPayload("\(field) is a number out of range")
            }
            let payload: E
            do {
                payload = try ArenaJSON.decode(E.self, from: argument ?? .object([]))
            } catch {
                throw ArenaError.invalidPayload(Self.describe(error))
            }
            try payload.validate()
            try await admit()
            let reply = try await handler(payload, context)
            return Outcome(replyName: E.Reply.name, replyJSON: try ArenaJSON.encode(reply))
        }
    }

    /// Where `value` holds a number too large for a double (`1e999`), as `a.b.0`; nil when it
    /// holds none.
    static func pathOfOverflowingNumber(in value: JSONValue, at path: String = "payload") -> String? {
        switch value {
        case .double(let number) where !number.isFinite:
            return path
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if let found = pathOfOverflowingNumber(in: element, at: path == "payload" ? "\(index)" : "\(path).\(index)") { return found }
            }
            return nil
        case .object(let members):
            for member in members {
                if let found = pathOfOverflowingNumber(in: member.value, at: path == "payload" ? member.key : "\(path).\(member.key)") {
                    return found
                }
            }
            return nil
        default:
            return nil
        }
    }

    /// A short, client-safe description of why a payload did not decode.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "payload does not match the event's schema" }
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty ? "payload" : codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing field \(path(context.codingPath + [key]))"
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)) must be \(Self.typeName(type))"
        case .valueNotFound(let type, let context): return "\(path(context.codingPath)) must be \(Self.typeName(type)), not null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "payload is not valid JSON for this event" : "\(path(context.codingPath)) has an invalid value"
        @unknown default: return "payload does not match the event's schema"
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        case is [String: Any].Type, is [String: JSONValue].Type: "an object"
        default:
            String(describing: type).hasPrefix("Array")
                ? "an array" : String(describing: type).hasPrefix("Dictionary") ? "an object" : "of the expected type"
        }
    }
}
