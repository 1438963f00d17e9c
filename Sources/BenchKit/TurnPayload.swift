/// The broadcast payload: `{"battleId":ROOM,"seq":N,"ts":NANOS,"pad":"xx…"}`, padded to a target
/// size, and the reading of `seq` and `ts` back out of what receivers get, without parsing JSON.
struct TurnPayload {
    /// The Socket.IO event prefix of a broadcast as every server encodes it.
    static let eventPrefix: [UInt8] = Array(#"42["battle:turn","#.utf8)
    static let errorPrefix: [UInt8] = Array(#"42["error","#.utf8)
    static let seqKey: [UInt8] = Array(#""seq":"#.utf8)
    static let tsKey: [UInt8] = Array(#""ts":"#.utf8)
    private static let padKey: [UInt8] = Array(#","pad":""#.utf8)
    private static let tail: [UInt8] = Array(#""}]"#.utf8)

    private let head: [UInt8]
    let targetBytes: Int

    /// - Parameter targetBytes: size of the JSON object; the padding makes up the difference.
    init(battleId: String, targetBytes: Int) {
        var head: [UInt8] = Array(#"{"battleId":"#.utf8)
        Self.appendJSONString(battleId, to: &head)
        head += Array(#","seq":"#.utf8)
        self.head = head
        self.targetBytes = targetBytes
    }

    /// Writes the whole Engine.IO/Socket.IO message (`42["battle:turn",{...}]`) into `out`,
    /// which is cleared first and keeps its capacity.
    func writeMessage(seq: UInt64, ts: UInt64, into out: inout [UInt8]) {
        out.removeAll(keepingCapacity: true)
        out += Self.eventPrefix
        let objectStart = out.count
        out += head
        Self.appendDecimal(seq, to: &out)
        out.append(UInt8(ascii: ","))
        out += Self.tsKey
        Self.appendDecimal(ts, to: &out)
        out += Self.padKey
        let padding = max(0, targetBytes - (out.count - objectStart) - 2)
        for _ in 0..<padding { out.append(UInt8(ascii: "x")) }
        out += Self.tail
    }

    /// `seq` and `ts` of a received broadcast's Engine.IO text (`42["battle:turn",{...}]`), or
    /// nil when it is not one. Keys may come in any order and with spaces after the colon.
    static func read(_ text: UnsafeRawBufferPointer) -> (seq: UInt64, ts: UInt64)? {
        guard hasPrefix(text, eventPrefix),
            let seq = number(after: seqKey, in: text, from: eventPrefix.count),
            let ts = number(after: tsKey, in: text, from: eventPrefix.count)
        else { return nil }
        return (seq, ts)
    }

    static func hasPrefix(_ text: UnsafeRawBufferPointer, _ prefix: [UInt8]) -> Bool {
        guard text.count >= prefix.count else { return false }
        for i in 0..<prefix.count where text[i] != prefix[i] { return false }
        return true
    }

    /// The unsigned integer following the first occurrence of `key`.
    static func number(after key: [UInt8], in text: UnsafeRawBufferPointer, from start: Int) -> UInt64? {
        let first = key[0]
        var i = start
        let last = text.count - key.count
        while i <= last {
            if text[i] == first {
                var j = 1
                while j < key.count && text[i + j] == key[j] { j += 1 }
                if j == key.count {
                    var k = i + j
                    while k < text.count && text[k] == UInt8(ascii: " ") { k += 1 }
                    var value: UInt64 = 0
                    var digits = 0
                    while k < text.count, text[k] >= UInt8(ascii: "0"), text[k] <= UInt8(ascii: "9") {
                        value = value &* 10 &+ UInt64(text[k] - UInt8(ascii: "0"))
                        k += 1
                        digits += 1
                    }
                    return digits > 0 ? value : nil
                }
            }
            i += 1
        }
        return nil
    }

    static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        if value == 0 { out.append(UInt8(ascii: "0")); return }
        var digits:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while n > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[i]) }
        }
    }

    /// A JSON string literal for a room name (names are plain: escapes quotes, backslashes and
    /// control characters).
    static func appendJSONString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out += [UInt8(ascii: "\\"), byte]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
