/// The arena's statements are written once for both databases with SQLite's `?` placeholders;
/// PostgreSQL numbers its parameters (`$1`, `$2`, …). A `?` is a placeholder only where SQL
/// would read it as one: not inside a string literal (`'…'`, `E'…'` with its backslash escapes,
/// `$tag$…$tag$`), a quoted identifier (`"…"`) or a comment (`-- …`, nested `/* … */`).
///
/// PostgreSQL's own `?` operators (on `jsonb`) cannot be written in these statements: a `?` outside
/// those places is always a placeholder.
enum Placeholders {
    /// `sql` with its placeholders numbered, and how many there are.
    static func numbered(_ sql: String) -> (sql: String, count: Int) {
        let input = Array(sql.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(input.count + 8)
        var count = 0
        var copied = 0  // input before this index is in output already
        var index = 0
        while index < input.count {
            let byte = input[index]
            switch byte {
            case UInt8(ascii: "?"):
                count += 1
                output.append(contentsOf: input[copied..<index])
                output.append(contentsOf: "$\(count)".utf8)
                index += 1
                copied = index
            case UInt8(ascii: "'"):
                let escapes = index > 0 && (input[index - 1] | 0x20) == UInt8(ascii: "e") && !(index > 1 && isWordByte(input[index - 2]))
                index = endOfQuoted(input, from: index, quote: byte, backslashEscapes: escapes)
            case UInt8(ascii: "\""):
                index = endOfQuoted(input, from: index, quote: byte, backslashEscapes: false)
            case UInt8(ascii: "-") where next(input, index) == UInt8(ascii: "-"):
                index = input[index...].firstIndex(of: UInt8(ascii: "\n")) ?? input.count
            case UInt8(ascii: "/") where next(input, index) == UInt8(ascii: "*"):
                index = endOfBlockComment(input, from: index)
            case UInt8(ascii: "$") where index == 0 || !isWordByte(input[index - 1]):
                index = endOfDollarQuoted(input, from: index) ?? index + 1
            default:
                index += 1
            }
        }
        guard count > 0 else { return (sql, 0) }
        output.append(contentsOf: input[copied...])
        return (String(decoding: output, as: UTF8.self), count)
    }

    private static func next(_ input: [UInt8], _ index: Int) -> UInt8? {
        index + 1 < input.count ? input[index + 1] : nil
    }

    /// Letters, digits, `_`, `$` and any byte of a multi-byte character: what identifiers are made of.
    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "$"), 0x80...:
            true
        default: false
        }
    }

    /// The index after the quote that closes the one at `start` (a doubled quote is part of the text).
    private static func endOfQuoted(_ input: [UInt8], from start: Int, quote: UInt8, backslashEscapes: Bool) -> Int {
        var index = start + 1
        while index < input.count {
            if backslashEscapes && input[index] == UInt8(ascii: "\\") {
                index += 2
            } else if input[index] == quote {
                if next(input, index) == quote { index += 2 } else { return index + 1 }
            } else {
                index += 1
            }
        }
        return input.count
    }

    /// The index after the `*/` that closes the comment at `start`; PostgreSQL's block comments nest.
    private static func endOfBlockComment(_ input: [UInt8], from start: Int) -> Int {
        var depth = 0
        var index = start
        while index < input.count {
            if input[index] == UInt8(ascii: "/") && next(input, index) == UInt8(ascii: "*") {
                depth += 1
                index += 2
            } else if input[index] == UInt8(ascii: "*") && next(input, index) == UInt8(ascii: "/") {
                depth -= 1
                index += 2
                if depth == 0 { return index }
            } else {
                index += 1
            }
        }
        return input.count
    }

    /// The index after the closing tag of a dollar-quoted string opening at `start` (`$$` or
    /// `$tag$`), or nil when the `$` opens none (`$1`, a lone `$`).
    private static func endOfDollarQuoted(_ input: [UInt8], from start: Int) -> Int? {
        var index = start + 1
        if index < input.count, case UInt8(ascii: "0")...UInt8(ascii: "9") = input[index] { return nil }
        while index < input.count, input[index] != UInt8(ascii: "$") {
            guard isWordByte(input[index]) else { return nil }
            index += 1
        }
        guard index < input.count else { return nil }
        let tag = input[start...index]
        var search = index + 1
        while search + tag.count <= input.count {
            if input[search..<search + tag.count].elementsEqual(tag) { return search + tag.count }
            search += 1
        }
        return input.count
    }
}
