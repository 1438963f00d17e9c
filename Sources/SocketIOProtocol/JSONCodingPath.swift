/// A coding path as a linked list of keys, shared by ``JSONValueDecoder`` and
/// ``CompactJSONEncoder``.
///
/// Going one level deeper is one small allocation instead of a copy of the whole path; the array
/// `codingPath` promises is built only when someone asks for it, which is mostly when an error is
/// thrown.
indirect enum JSONCodingPath {
    case root
    case key(any CodingKey, parent: JSONCodingPath)

    func appending(_ key: any CodingKey) -> JSONCodingPath {
        .key(key, parent: self)
    }

    var keys: [any CodingKey] {
        var keys: [any CodingKey] = []
        var node = self
        while case .key(let key, let parent) = node {
            keys.append(key)
            node = parent
        }
        return keys.reversed()
    }
}

/// The keys the coders make up themselves: array positions and `super`, spelled as Foundation's
/// JSON coders spell them (`Index 3` with an `intValue` of 3), so error paths read the same.
struct JSONCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }

    init(intValue: Int) {
        stringValue = "Index \(intValue)"
        self.intValue = intValue
    }

    static let `super` = JSONCodingKey(stringValue: "super")
}
