/// Writes ``MessagePackValue`` in the smallest form the format allows, as notepack does, except
/// that doubles are always float 64 (notepack's choice too).
public enum MessagePackWriter {
    public static func encode(_ value: MessagePackValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out)
        return out
    }

    public static func write(_ value: MessagePackValue, into out: inout [UInt8]) {
        switch value {
        case .nil: out.append(0xc0)
        case .bool(let b): out.append(b ? 0xc3 : 0xc2)
        case .int(let i): writeInt(i, into: &out)
        case .uint(let u):
            if u <= UInt64(Int64.max) { writeInt(Int64(u), into: &out) } else { out.append(0xcf); append(u, bytes: 8, into: &out) }
        case .double(let d):
            out.append(0xcb)
            append(d.bitPattern, bytes: 8, into: &out)
        case .string(let s):
            let bytes = Array(s.utf8)
            header(bytes.count, fix: (0xa0, 31), sizes: (0xd9, 0xda, 0xdb), into: &out)
            out.append(contentsOf: bytes)
        case .binary(let bytes):
            header(bytes.count, fix: nil, sizes: (0xc4, 0xc5, 0xc6), into: &out)
            out.append(contentsOf: bytes)
        case .array(let items):
            header(items.count, fix: (0x90, 15), sizes: (nil, 0xdc, 0xdd), into: &out)
            for item in items { write(item, into: &out) }
        case .map(let members):
            header(members.count, fix: (0x80, 15), sizes: (nil, 0xde, 0xdf), into: &out)
            for (key, value) in members {
                write(key, into: &out)
                write(value, into: &out)
            }
        case .ext(let type, let data):
            switch data.count {
            case 1: out.append(0xd4)
            case 2: out.append(0xd5)
            case 4: out.append(0xd6)
            case 8: out.append(0xd7)
            case 16: out.append(0xd8)
            case ...0xff: out += [0xc7, UInt8(data.count)]
            case ...0xffff: out.append(0xc8); append(UInt64(data.count), bytes: 2, into: &out)
            default: out.append(0xc9); append(UInt64(data.count), bytes: 4, into: &out)
            }
            out.append(UInt8(bitPattern: type))
            out.append(contentsOf: data)
        }
    }

    private static func writeInt(_ i: Int64, into out: inout [UInt8]) {
        switch i {
        case 0...0x7f: out.append(UInt8(i))
        case -32..<0: out.append(UInt8(bitPattern: Int8(i)))
        case 0x80...0xff: out += [0xcc, UInt8(i)]
        case 0x100...0xffff: out.append(0xcd); append(UInt64(i), bytes: 2, into: &out)
        case 0x1_0000...0xffff_ffff: out.append(0xce); append(UInt64(i), bytes: 4, into: &out)
        case 0x1_0000_0000...: out.append(0xcf); append(UInt64(i), bytes: 8, into: &out)
        case -0x80 ..< -32: out += [0xd0, UInt8(bitPattern: Int8(i))]
        case -0x8000 ..< -0x80: out.append(0xd1); append(UInt64(bitPattern: i), bytes: 2, into: &out)
        case -0x8000_0000 ..< -0x8000: out.append(0xd2); append(UInt64(bitPattern: i), bytes: 4, into: &out)
        default: out.append(0xd3); append(UInt64(bitPattern: i), bytes: 8, into: &out)
        }
    }

    private static func header(_ count: Int, fix: (UInt8, Int)?, sizes: (UInt8?, UInt8, UInt8), into out: inout [UInt8]) {
        if let (base, max) = fix, count <= max {
            out.append(base | UInt8(count))
        } else if let eight = sizes.0, count <= 0xff {
            out += [eight, UInt8(count)]
        } else if count <= 0xffff {
            out.append(sizes.1)
            append(UInt64(count), bytes: 2, into: &out)
        } else {
            out.append(sizes.2)
            append(UInt64(count), bytes: 4, into: &out)
        }
    }

    /// Big-endian, the low `bytes` bytes of `value`.
    private static func append(_ value: UInt64, bytes: Int, into out: inout [UInt8]) {
        for shift in stride(from: (bytes - 1) * 8, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }
}
