import FuzzerDriver
import SocketIOProtocol

// The JSON parser every event payload goes through. What parses must write back to JSON that
// parses to an equal value, except numbers past Double's range: they parse as infinity, as
// JavaScript's JSON.parse reads them, and are written as null, as JSON.stringify writes them
// (the runtime refuses them in a payload with INVALID_PAYLOAD before any handler sees them).
runFuzzer { input in
    guard let value = try? JSONParser.parse(input) else { return }
    let written = JSONWriter.string(value)
    let again: JSONValue
    do {
        again = try JSONParser.parse(written)
    } catch {
        fatalError("the parser refuses what the writer made of a value it parsed: \(error); \(written)")
    }
    precondition(again == finiteOrNull(value), "a parsed value changed in a round trip: \(written)")
}

/// `value` with every infinite number replaced by null.
func finiteOrNull(_ value: JSONValue) -> JSONValue {
    switch value {
    case .double(let d) where !d.isFinite: .null
    case .array(let items): .array(items.map(finiteOrNull))
    case .object(let members): .object(members.map { JSONMember($0.key, finiteOrNull($0.value)) })
    default: value
    }
}
