/// One WebSocket frame from the server, located in a byte buffer without copying.
struct ServerFrame: Equatable {
    var fin: Bool
    var opcode: UInt8
    /// Where the payload lies in the parsed bytes.
    var payload: Range<Int>
    /// Where the next frame starts.
    var end: Int

    enum ParseError: Error, Equatable {
        /// Servers must not mask (RFC 6455 §5.1).
        case masked
        case tooLarge(UInt64)
    }

    /// Parses the frame starting at `offset`; nil when `bytes` does not hold all of it yet.
    static func parse(_ bytes: UnsafeRawBufferPointer, at offset: Int, maxPayload: Int = 16 << 20) throws(ParseError) -> ServerFrame? {
        let available = bytes.count - offset
        guard available >= 2 else { return nil }
        let b0 = bytes[offset]
        let b1 = bytes[offset + 1]
        guard b1 & 0x80 == 0 else { throw .masked }
        var length = UInt64(b1 & 0x7F)
        var header = 2
        if length == 126 {
            guard available >= 4 else { return nil }
            length = UInt64(bytes[offset + 2]) << 8 | UInt64(bytes[offset + 3])
            header = 4
        } else if length == 127 {
            guard available >= 10 else { return nil }
            length = 0
            for i in 2..<10 { length = length << 8 | UInt64(bytes[offset + i]) }
            header = 10
        }
        guard length <= UInt64(maxPayload) else { throw .tooLarge(length) }
        let total = header + Int(length)
        guard available >= total else { return nil }
        return ServerFrame(fin: b0 & 0x80 != 0, opcode: b0 & 0x0F, payload: (offset + header)..<(offset + total), end: offset + total)
    }
}
