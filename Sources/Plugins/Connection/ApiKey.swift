import Crypto
import Foundation

/// API keys: `moltarena_sk_` + 32 random bytes (base64url), from the system's cryptographic RNG.
/// Only the SHA-256 digest is stored: keys are high-entropy, so a slow password hash would buy no
/// safety and cost every handshake tens of milliseconds.
enum ApiKey {
    static let prefix = "moltarena_sk_"

    static func generate() -> String {
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        return prefix
            + bytes.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func digest(_ key: String) -> Data {
        Data(SHA256.hash(data: Data(key.utf8)))
    }

    /// Compares two digests in time independent of where they differ.
    static func constantTimeEquals(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    /// Whether the text has the shape of a key (cheap check before touching the database).
    static func looksValid(_ key: String) -> Bool {
        key.hasPrefix(prefix) && key.utf8.count >= prefix.utf8.count + 43 && key.utf8.count <= 128
    }
}
