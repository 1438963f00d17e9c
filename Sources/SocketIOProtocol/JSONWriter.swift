/// Writes ``JSONValue`` as compact JSON, the way JavaScript's `JSON.stringify` does.
///
/// `binary` values cannot be written as JSON; the Socket.IO encoder replaces them with
/// placeholders first. Writing one here writes `null`, so a caller's mistake never produces
/// invalid JSON.
public enum JSONWriter {
    /// `{<member>,...object's members}` from an object's JSON bytes, without parsing them: how an
    /// ack gets its `"ok":true` and a logged event its `"seq":N`. Anything but a non-empty object
    /// gives `{<member>}`.
    public static func prepending(_ member: some Sequence<UInt8>, toObject object: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.append(contentsOf: member)
        if object.count > 2, object.first == UInt8(ascii: "{") {
            bytes.append(UInt8(ascii: ","))
            bytes.append(contentsOf: object.dropFirst())
        } else {
            bytes.append(UInt8(ascii: "}"))
        }
        return bytes
    }

    public static func write(_ value: JSONValue, into output: inout [UInt8]) {
        switch value {
        case .null, .binary: output.append(contentsOf: "null".utf8)
        case .bool(let b): output.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): output.append(contentsOf: String(i).utf8)
        case .double(let d): writeDouble(d, into: &output)
        case .string(let s): writeString(s, into: &output)
        case .array(let items):
            output.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { output.append(UInt8(ascii: ",")) }
                write(item, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (i, member) in members.enumerated() {
                if i > 0 { output.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &output)
                output.append(UInt8(ascii: ":"))
                write(member.value, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    public static func string(_ value: JSONValue) -> String {
        var bytes: [UInt8] = []
        write(value, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func writeDouble(_ d: Double, into output: inout [UInt8]) {
        guard d.isFinite else {
            output.append(contentsOf: "null".utf8)  // as JSON.stringify does for NaN and Infinity
            return
        }
        if d.rounded() == d, abs(d) < 1e15 {
            output.append(contentsOf: String(Int64(d)).utf8)
        } else {
            output.append(contentsOf: d.description.utf8)
        }
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Escapes `"`, `\` and control characters, as `JSON.stringify` and Foundation's encoder
    /// do; everything else, `/` and non-ASCII included, goes out as it is. Runs of bytes that need
    /// no escape are copied in one go.
    public static func writeString(_ s: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var start = 0
            for (i, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                writeEscape(byte, into: &output)
                start = i + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func writeEscape(_ byte: UInt8, into output: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
        case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
        case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
        case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
        case 0x08: output.append(contentsOf: [0x5C, UInt8(ascii: "b")])
        case 0x0C: output.append(contentsOf: [0x5C, UInt8(ascii: "f")])
        default:
            output.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            output.append(hex[Int(byte >> 4)])
            output.append(hex[Int(byte & 0xF)])
        }
    }
}
