/// Codable types for the JSON coder tests: keys and dictionary keys of every kind, and types
/// that drive the decoding and encoding containers by hand.

enum Color: String, Codable, CodingKeyRepresentable, Sendable { case red, blue }

/// Not `CodingKeyRepresentable`: dictionaries keyed by it are arrays of alternating keys and values.
struct Flag: Codable, Hashable, Sendable {
    var on: Bool
    init(on: Bool) { self.on = on }
    init(from decoder: any Decoder) throws { on = try decoder.singleValueContainer().decode(Bool.self) }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(on)
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

// MARK: Decoding by hand

struct TwoInts: Decodable, Sendable {
    var a, b: Int
    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        a = try container.decode(Int.self)
        b = try container.decode(Int.self)
    }
}

struct SingleInt: Decodable, Sendable {
    var a: Int
    init(from decoder: any Decoder) throws { a = try decoder.singleValueContainer().decode(Int.self) }
}

struct NestedKeyed: Decodable, Sendable {
    var z: Int
    init(from decoder: any Decoder) throws {
        let nested = try decoder.container(keyedBy: AnyKey.self).nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("n"))
        z = try nested.decode(Int.self, forKey: AnyKey("z"))
    }
}

struct NestedUnkeyed: Decodable, Sendable {
    var first: Int
    init(from decoder: any Decoder) throws {
        var outer = try decoder.unkeyedContainer()
        var inner = try outer.nestedUnkeyedContainer()
        first = try inner.decode(Int.self)
    }
}

struct KeyedSuper: Decodable, Sendable {
    var value: Int
    init(from decoder: any Decoder) throws { value = try Int(from: decoder.container(keyedBy: AnyKey.self).superDecoder()) }
}

struct KeyedSuperForKey: Decodable, Sendable {
    var values: [Int]
    init(from decoder: any Decoder) throws {
        values = try [Int](from: decoder.container(keyedBy: AnyKey.self).superDecoder(forKey: AnyKey("k")))
    }
}

struct UnkeyedSuper: Decodable, Sendable {
    var value: Int
    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        value = try Int(from: container.superDecoder())
    }
}

/// `[1,null,"s"]`: an int, a null skipped by `decodeNil`, a string.
struct NilThenString: Decodable, Sendable {
    var text: String
    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        _ = try container.decode(Int.self)
        _ = try container.decodeNil()
        text = try container.decode(String.self)
    }
}

struct NilForKey: Decodable, Sendable {
    var isNil: Bool
    init(from decoder: any Decoder) throws { isNil = try decoder.container(keyedBy: AnyKey.self).decodeNil(forKey: AnyKey("x")) }
}

struct KeyLister: Decodable {
    var keys: [String]
    init(from decoder: any Decoder) throws { keys = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue) }
}

/// Records the coding path of every decoder and container it passes through.
struct PathProbe: Decodable {
    var paths: [String] = []

    static func text(_ path: [any CodingKey]) -> String {
        path.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }.joined(separator: ".")
    }

    init(from decoder: any Decoder) throws {
        paths.append(Self.text(decoder.codingPath))
        let root = try decoder.container(keyedBy: AnyKey.self)
        var list = try root.nestedUnkeyedContainer(forKey: AnyKey("a"))
        paths.append(Self.text(list.codingPath))
        let element = try list.nestedContainer(keyedBy: AnyKey.self)
        paths.append(Self.text(element.codingPath))
        var numbers = try element.nestedUnkeyedContainer(forKey: AnyKey("b"))
        paths.append(Self.text(numbers.codingPath))
        _ = try numbers.decode(Int.self)
        let second = try numbers.superDecoder()
        paths.append(Self.text(second.codingPath))
    }
}

// MARK: Encoding by hand

struct Keyed: Encodable {
    var keys: [String]
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        for (i, key) in keys.enumerated() { try container.encode(i, forKey: AnyKey(key)) }
    }
}

struct Mixed: Encodable {
    var a: Int8 = .min, b: Int16 = .max, c: Int32 = .min, d: UInt = .max, e: UInt8 = 255, f: UInt16 = 9, g: UInt32 = .max
    var h: Float = 1.5, i: Bool = false, j: String = "j", k: Int = -3
}

struct Optionals: Encodable {
    var absent: Int?
    var explicitNull: String?

    enum CodingKeys: CodingKey { case absent, explicitNull }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(absent, forKey: .absent)
        try container.encode(explicitNull, forKey: .explicitNull)
    }
}

struct EncodesNothing: Encodable {
    func encode(to encoder: any Encoder) throws {}
}

struct ContainsDouble: Encodable {
    struct Inner: Encodable { var value: Double }
    var inner: Inner
}

/// Nil, a repeated key, a nested unkeyed container and a super encoder in one object.
struct ByHand: Encodable {
    enum Key: CodingKey { case a, b, c, d, e }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(1, forKey: .a)
        try container.encode(2, forKey: .a)
        try container.encodeNil(forKey: .b)
        try container.encodeIfPresent(Int?.none, forKey: .c)
        var list = container.nestedUnkeyedContainer(forKey: .d)
        try list.encode(true)
        var inList = list.nestedContainer(keyedBy: Key.self)
        try inList.encode("x", forKey: .e)
        var superContainer = container.superEncoder().singleValueContainer()
        try superContainer.encode("sup")
        _ = container.superEncoder(forKey: .e)
    }
}

/// Two nested keyed containers for one key merge into one object.
struct NestedTwice: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        var first = container.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("n"))
        try first.encode(1, forKey: AnyKey("a"))
        var second = container.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("n"))
        try second.encode(2, forKey: AnyKey("b"))
    }
}

/// A value written after a nested container for the same key replaces it.
struct ValueThenNested: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: AnyKey.self)
        var nested = container.nestedContainer(keyedBy: AnyKey.self, forKey: AnyKey("a"))
        try nested.encode(3, forKey: AnyKey("x"))
        try container.encode(1, forKey: AnyKey("a"))
    }
}

/// An unkeyed super encoder holds the position it was asked for at.
struct UnkeyedSuperFirst: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        let superEncoder = container.superEncoder()
        try container.encode(1)
        var single = superEncoder.singleValueContainer()
        try single.encode(2)
        _ = container.superEncoder()
    }
}

/// Asking the encoder for its keyed container twice gives one object.
struct ContainerTwice: Encodable {
    func encode(to encoder: any Encoder) throws {
        var first = encoder.container(keyedBy: AnyKey.self)
        try first.encode(1, forKey: AnyKey("a"))
        var second = encoder.container(keyedBy: AnyKey.self)
        try second.encode(2, forKey: AnyKey("b"))
    }
}
