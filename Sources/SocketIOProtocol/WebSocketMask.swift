/// The payload masking of RFC 6455 §5.3: every byte XOR one of the four key bytes in turn. The
/// client that masks and the server that unmasks share it.
public enum WebSocketMask {
    /// Writes `source` masked (or unmasked: the operation is its own inverse) with `key` into
    /// `destination`, which must be at least as long.
    public static func apply(
        _ key: (UInt8, UInt8, UInt8, UInt8),
        from source: UnsafeRawBufferPointer,
        to destination: UnsafeMutableRawBufferPointer
    ) {
        precondition(destination.count >= source.count, "masking destination is too short")
        for index in 0..<source.count {
            let keyByte: UInt8
            switch index & 3 {
            case 0: keyByte = key.0
            case 1: keyByte = key.1
            case 2: keyByte = key.2
            default: keyByte = key.3
            }
            destination[index] = source[index] ^ keyByte
        }
    }
}
