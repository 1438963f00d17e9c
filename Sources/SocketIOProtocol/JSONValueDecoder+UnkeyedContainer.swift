/// The unkeyed container over an array's elements. An element that fails to decode is not
/// consumed, as in Foundation.
struct JSONValueUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: JSONValueDecoderImpl
    let items: [JSONValue]
    private(set) var currentIndex = 0

    init(decoder: JSONValueDecoderImpl, items: [JSONValue]) {
        self.decoder = decoder
        self.items = items
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    private var currentPath: JSONCodingPath { decoder.path.appending(JSONCodingKey(intValue: currentIndex)) }

    /// The current element; past the end, Foundation's `valueNotFound` naming `type`.
    private func current(_ type: Any.Type, _ description: String = "Unkeyed container is at end.") throws -> JSONValue {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: currentPath.keys, debugDescription: description))
        }
        return items[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        guard case .null = try current(Never.self) else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next { try JSONValueDecoderImpl.bool($0, at: $1) } }
    mutating func decode(_ type: String.Type) throws -> String { try next { try JSONValueDecoderImpl.string($0, at: $1) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try next { try JSONValueDecoderImpl.double($0, at: $1) } }
    mutating func decode(_ type: Float.Type) throws -> Float { try next { try JSONValueDecoderImpl.float($0, at: $1) } }
    mutating func decode(_ type: Int.Type) throws -> Int { try integer() }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    mutating func decode(_ type: Int128.Type) throws -> Int128 { try integer() }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }
    mutating func decode(_ type: UInt128.Type) throws -> UInt128 { try integer() }

    private mutating func integer<T: FixedWidthInteger>() throws -> T {
        try next { try JSONValueDecoderImpl.integer($0, at: $1) }
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try next { [decoder] in try decoder.unwrap(T.self, from: $0, at: $1) }
    }

    /// Decodes the current element with `body` and moves past it only if that succeeded.
    private mutating func next<T>(_ body: (JSONValue, JSONCodingPath) throws -> T) throws -> T {
        let result = try body(current(T.self), currentPath)
        currentIndex += 1
        return result
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let value = try current(KeyedDecodingContainer<NestedKey>.self, "Cannot get nested keyed container -- unkeyed container is at end.")
        let container = try JSONValueDecoderImpl(value: value, path: currentPath, options: decoder.options).container(keyedBy: NestedKey.self)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let value = try current((any UnkeyedDecodingContainer).self, "Cannot get nested keyed container -- unkeyed container is at end.")
        let container = try JSONValueDecoderImpl(value: value, path: currentPath, options: decoder.options).unkeyedContainer()
        currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> any Decoder {
        let value = try current((any Decoder).self, "Cannot get superDecoder() -- unkeyed container is at end.")
        defer { currentIndex += 1 }
        return JSONValueDecoderImpl(value: value, path: currentPath, options: decoder.options)
    }
}
