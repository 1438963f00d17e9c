/// FNV-1a (64-bit) over UTF-8 bytes.
///
/// Swift's `hashValue` is seeded randomly per process, so anything that must pick the same
/// option for the same input across runs and machines (the template commentator) hashes with this.
enum StableHash {
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }
}
