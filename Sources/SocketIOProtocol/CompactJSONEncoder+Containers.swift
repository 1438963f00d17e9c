/// The keyed container: members go into the object in the order they come, repeats included;
/// the writer sorts them and keeps each key's last value.
struct CompactKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: CompactJSONEncoderImpl
    let object: EncodedObject
    let path: JSONCodingPath

    var codingPath: [any CodingKey] { path.keys }

    private func set(_ node: EncodedNode, _ key: Key) { object.set(node, for: key.stringValue) }

    mutating func encodeNil(forKey key: Key) { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(try CompactJSONEncoderImpl.number(value, at: { path.appending(key) }), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(try CompactJSONEncoderImpl.number(value, at: { path.appending(key) }), key) }
    mutating func encode(_ value: Int, forKey key: Key) { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) { set(.int(Int64(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) { set(.int(value), key) }
    mutating func encode(_ value: Int128, forKey key: Key) { set(.number(String(value)), key) }
    mutating func encode(_ value: UInt, forKey key: Key) { set(.uint(UInt64(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) { set(.uint(UInt64(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) { set(.uint(UInt64(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) { set(.uint(UInt64(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) { set(.uint(value), key) }
    mutating func encode(_ value: UInt128, forKey key: Key) { set(.number(String(value)), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(try encoder.wrap(value, at: path.appending(key)) ?? .object(EncodedObject()), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = object.nestedObject(for: key.stringValue)
        return KeyedEncodingContainer(CompactKeyedEncodingContainer<NestedKey>(encoder: encoder, object: nested, path: path.appending(key)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        CompactUnkeyedEncodingContainer(encoder: encoder, array: object.nestedArray(for: key.stringValue), path: path.appending(key))
    }

    mutating func superEncoder() -> any Encoder {
        superEncoder(JSONCodingKey.super)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        superEncoder(key)
    }

    /// Takes the key's place now; what it holds is read when the object is written.
    private func superEncoder(_ key: any CodingKey) -> any Encoder {
        let superEncoder = CompactJSONEncoderImpl(options: encoder.options, path: path.appending(key))
        object.set(.deferred(superEncoder), for: key.stringValue)
        return superEncoder
    }
}

/// The unkeyed container: elements in order; a super encoder takes its position when asked for.
struct CompactUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let encoder: CompactJSONEncoderImpl
    let array: EncodedArray
    let path: JSONCodingPath

    var codingPath: [any CodingKey] { path.keys }
    var count: Int { array.items.count }

    private var nextPath: JSONCodingPath { path.appending(JSONCodingKey(intValue: count)) }
    private func append(_ node: EncodedNode) { array.items.append(node) }

    mutating func encodeNil() { append(.null) }
    mutating func encode(_ value: Bool) { append(.bool(value)) }
    mutating func encode(_ value: String) { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(try CompactJSONEncoderImpl.number(value, at: { nextPath })) }
    mutating func encode(_ value: Float) throws { append(try CompactJSONEncoderImpl.number(value, at: { nextPath })) }
    mutating func encode(_ value: Int) { append(.int(Int64(value))) }
    mutating func encode(_ value: Int8) { append(.int(Int64(value))) }
    mutating func encode(_ value: Int16) { append(.int(Int64(value))) }
    mutating func encode(_ value: Int32) { append(.int(Int64(value))) }
    mutating func encode(_ value: Int64) { append(.int(value)) }
    mutating func encode(_ value: Int128) { append(.number(String(value))) }
    mutating func encode(_ value: UInt) { append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt8) { append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt16) { append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt32) { append(.uint(UInt64(value))) }
    mutating func encode(_ value: UInt64) { append(.uint(value)) }
    mutating func encode(_ value: UInt128) { append(.number(String(value))) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        append(try encoder.wrap(value, at: nextPath) ?? .object(EncodedObject()))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = EncodedObject()
        let container = CompactKeyedEncodingContainer<NestedKey>(encoder: encoder, object: nested, path: nextPath)
        append(.object(nested))
        return KeyedEncodingContainer(container)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = EncodedArray()
        let container = CompactUnkeyedEncodingContainer(encoder: encoder, array: nested, path: nextPath)
        append(.array(nested))
        return container
    }

    mutating func superEncoder() -> any Encoder {
        let superEncoder = CompactJSONEncoderImpl(options: encoder.options, path: nextPath)
        append(.deferred(superEncoder))
        return superEncoder
    }
}
