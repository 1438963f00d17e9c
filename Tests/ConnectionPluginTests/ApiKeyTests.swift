import Foundation
import Testing
@testable import ConnectionPlugin

@Suite struct ApiKeyTests {
    @Test func keysAreLongRandomAndPrefixed() {
        let keys = (0..<200).map { _ in ApiKey.generate() }
        #expect(Set(keys).count == keys.count)
        for key in keys {
            #expect(key.hasPrefix("moltarena_sk_"))
            #expect(key.count == "moltarena_sk_".count + 43)  // 32 bytes, base64url without padding
            #expect(ApiKey.looksValid(key))
            #expect(key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
        }
    }

    @Test func digestIsSHA256OfTheKey() {
        #expect(
            ApiKey.digest("abc").map { String(format: "%02x", $0) }.joined()
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func constantTimeComparisonAgreesWithEquality() {
        let a = ApiKey.digest("one"), b = ApiKey.digest("two")
        #expect(ApiKey.constantTimeEquals(a, a))
        #expect(!ApiKey.constantTimeEquals(a, b))
        #expect(!ApiKey.constantTimeEquals(a, a.prefix(10)))
    }

    @Test(arguments: ["", "moltarena_sk_short", "sk_" + String(repeating: "a", count: 50), "moltarena_sk_" + String(repeating: "a", count: 200)])
    func malformedKeysAreNotLookedUp(key: String) {
        #expect(!ApiKey.looksValid(key))
    }
}
