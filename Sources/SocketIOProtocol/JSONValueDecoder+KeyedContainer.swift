/// The keyed container over an object's members.
///
/// Members stay in the object's array: a struct's handful of keys are found faster by a scan than
/// through a hash table. Large objects (a `[String: X]` of many entries, read key by key) get an
/// index so reading all of them stays linear. A repeated key reads its first occurrence, as in
/// Foundation, and keys compare as Swift strings do (canonically equivalent spellings match).
struct JSONValueKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: JSONValueDecoderImpl
    let members: [JSONMember]
    private let index: [String: Int]?

    /// Above this many members, lookups go through a dictionary built once.
    static var indexThreshold: Int { 16 }

    init(decoder: JSONValueDecoderImpl, members: [JSONMember]) {
        self.decoder = decoder
        self.members = members
        if members.count > Self.indexThreshold {
            index = Dictionary(members.indices.map { (members[$0].key, $0) }, uniquingKeysWith: { first, _ in first })
        } else {
            index = nil
        }
    }

    var codingPath: [any CodingKey] { decoder.codingPath }

    /// Each key once, in the object's order.
    var allKeys: [Key] {
        var seen = Set<String>()
        return members.compactMap { seen.insert($0.key).inserted ? Key(stringValue: $0.key) : nil }
    }

    private func lookup(_ key: Key) -> JSONValue? {
        let name = key.stringValue
        if let index { return index[name].map { members[$0].value } }
        return members.first(where: { $0.key == name })?.value
    }

    private func value(for key: Key) throws -> JSONValue {
        guard let value = lookup(key) else {
            throw DecodingError.keyNotFound(
                key,
                .init(
                    codingPath: codingPath, debugDescription: "No value associated with key \(key) (\"\(key.stringValue)\")."))
        }
        return value
    }

    private func path(_ key: Key) -> JSONCodingPath { decoder.path.appending(key) }

    func contains(_ key: Key) -> Bool { lookup(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try value(for: key) { return true }
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try JSONValueDecoderImpl.bool(value(for: key), at: path(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try JSONValueDecoderImpl.string(value(for: key), at: path(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try JSONValueDecoderImpl.double(value(for: key), at: path(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try JSONValueDecoderImpl.float(value(for: key), at: path(key)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try integer(key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(key) }
    func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 { try integer(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(key) }
    func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 { try integer(key) }

    private func integer<T: FixedWidthInteger>(_ key: Key) throws -> T {
        try JSONValueDecoderImpl.integer(value(for: key), at: path(key))
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.unwrap(T.self, from: value(for: key), at: path(key))
    }

    // The `decodeIfPresent`s look the key up once; the defaults would do it three times
    // (contains, decodeNil, decode). Missing or null is nil; any other value must decode.

    private func ifPresent<T>(_ key: Key, _ read: (JSONValue, JSONCodingPath) throws -> T) throws -> T? {
        guard let value = lookup(key) else { return nil }
        if case .null = value { return nil }
        return try read(value, path(key))
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try ifPresent(key) { [decoder] in try decoder.unwrap(T.self, from: $0, at: $1) }
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try ifPresent(key, JSONValueDecoderImpl.bool) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try ifPresent(key, JSONValueDecoderImpl.string) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try ifPresent(key, JSONValueDecoderImpl.double) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try ifPresent(key, JSONValueDecoderImpl.float) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try ifPresent(key, JSONValueDecoderImpl.integer) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try ifPresent(key, JSONValueDecoderImpl.integer) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try ifPresent(key, JSONValueDecoderImpl.integer) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try ifPresent(key, JSONValueDecoderImpl.integer) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try ifPresent(key, JSONValueDecoderImpl.integer) }
    func decodeIfPresent(_ type: Int128.Type, forKey key: Key) throws -> Int128? { try ifPresent(key, JSONValueDecoderImpl.integer) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try ifPresent(key, JSONValueDecoderImpl.integer) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try ifPresent(key, JSONValueDecoderImpl.integer) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try ifPresent(key, JSONValueDecoderImpl.integer) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try ifPresent(key, JSONValueDecoderImpl.integer) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try ifPresent(key, JSONValueDecoderImpl.integer) }
    func decodeIfPresent(_ type: UInt128.Type, forKey key: Key) throws -> UInt128? { try ifPresent(key, JSONValueDecoderImpl.integer) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try JSONValueDecoderImpl(value: value(for: key), path: path(key), options: decoder.options).container(keyedBy: NestedKey.self)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try JSONValueDecoderImpl(value: value(for: key), path: path(key), options: decoder.options).unkeyedContainer()
    }

    /// A missing key gives a decoder over null, as in Foundation.
    func superDecoder() throws -> any Decoder {
        let value = members.first(where: { $0.key == JSONCodingKey.super.stringValue })?.value ?? .null
        return JSONValueDecoderImpl(value: value, path: decoder.path.appending(JSONCodingKey.super), options: decoder.options)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        JSONValueDecoderImpl(value: lookup(key) ?? .null, path: path(key), options: decoder.options)
    }
}
