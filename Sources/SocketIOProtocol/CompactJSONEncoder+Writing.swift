/// Writes an encoded tree as compact JSON, spelled as Foundation's `JSONEncoder` spells it with
/// `[.sortedKeys, .withoutEscapingSlashes]`.
enum CompactJSONWriter {
    /// Foundation refuses containers nested this deep; so do we, with the same error.
    static let maxDepth = 512

    struct TooDeep: Error {}

    static func write(_ node: EncodedNode, into output: inout [UInt8], depth: Int) throws {
        switch node {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let bool): output.append(contentsOf: (bool ? "true" : "false").utf8)
        case .int(let int): output.append(contentsOf: String(int).utf8)
        case .uint(let uint): output.append(contentsOf: String(uint).utf8)
        case .number(let text): output.append(contentsOf: text.utf8)
        case .string(let string): JSONWriter.writeString(string, into: &output)
        case .json(let json): try write(json, into: &output, depth: depth)
        case .deferred(let encoder): try write(encoder.value ?? .object(EncodedObject()), into: &output, depth: depth)
        case .array(let array):
            try writeArray(array.items, into: &output, depth: depth + 1) { try write($0, into: &$1, depth: depth + 1) }
        case .object(let object):
            try writeObject(object.members, key: \.key, into: &output, depth: depth + 1) { try write($0.value, into: &$1, depth: depth + 1) }
        }
    }

    /// A ``JSONValue`` as its `Encodable` conformance would have it written: binary attachments as
    /// arrays of byte values, objects with sorted keys like any other.
    static func write(_ json: JSONValue, into output: inout [UInt8], depth: Int) throws {
        switch json {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let bool): output.append(contentsOf: (bool ? "true" : "false").utf8)
        case .int(let int): output.append(contentsOf: String(int).utf8)
        case .double(let double):
            guard double.isFinite else {
                throw EncodingError.invalidValue(
                    double,
                    .init(
                        codingPath: [], debugDescription: "Unable to encode Double.\(double) directly in JSON."))
            }
            output.append(contentsOf: format(double).utf8)
        case .string(let string): JSONWriter.writeString(string, into: &output)
        case .binary(let bytes):
            try writeArray(bytes, into: &output, depth: depth + 1) { $1.append(contentsOf: String($0).utf8) }
        case .array(let items):
            try writeArray(items, into: &output, depth: depth + 1) { try write($0, into: &$1, depth: depth + 1) }
        case .object(let members):
            try writeObject(members, key: \.key, into: &output, depth: depth + 1) { try write($0.value, into: &$1, depth: depth + 1) }
        }
    }

    private static func writeArray<Element>(
        _ items: [Element], into output: inout [UInt8], depth: Int, _ writeItem: (Element, inout [UInt8]) throws -> Void
    ) throws {
        guard depth < maxDepth else { throw TooDeep() }
        output.append(UInt8(ascii: "["))
        for (i, item) in items.enumerated() {
            if i > 0 { output.append(UInt8(ascii: ",")) }
            try writeItem(item, &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    private static func writeObject<Member>(
        _ members: [Member], key: (Member) -> String, into output: inout [UInt8], depth: Int,
        _ writeValue: (Member, inout [UInt8]) throws -> Void
    ) throws {
        guard depth < maxDepth else { throw TooDeep() }
        output.append(UInt8(ascii: "{"))
        for (i, entry) in writeOrder(members.count, key: { key(members[$0]) }).enumerated() {
            if i > 0 { output.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(entry.key, into: &output)
            output.append(UInt8(ascii: ":"))
            try writeValue(members[entry.index], &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// Which members to write, in which order, under which spelling: Foundation collects an
    /// object's members in a `[String: Value]`, so keys that are equal as Swift strings
    /// (canonically equivalent) are one key, spelled as first set and holding the last value;
    /// `.sortedKeys` then orders them by their UTF-8 bytes.
    static func writeOrder(_ count: Int, key: (Int) -> String) -> [(key: String, index: Int)] {
        var entries: [(key: String, index: Int)] = []
        entries.reserveCapacity(count)
        if count <= 16 {
            members: for i in 0..<count {
                let name = key(i)
                for j in entries.indices where entries[j].key == name {
                    entries[j].index = i
                    continue members
                }
                entries.append((name, i))
            }
        } else {
            var position: [String: Int] = [:]
            for i in 0..<count {
                let name = key(i)
                if let j = position[name] {
                    entries[j].index = i
                } else {
                    position[name] = entries.count
                    entries.append((name, i))
                }
            }
        }
        entries.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        return entries
    }

    /// Foundation's spelling of a finite number: Swift's shortest round-trip `description`
    /// without a trailing `.0` (`5`, `0.25`, `1e-07`, `1e+21`, `-0`).
    static func format<F: BinaryFloatingPoint & CustomStringConvertible>(_ number: F) -> String {
        var text = number.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}
