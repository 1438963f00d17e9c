/// Finds the invalid TOML that toml++ (the parser under TOMLKit) cannot be handed.
///
/// toml++ 3 asserts what it has not checked in three places fuzzing plugins.conf found (fuzz/,
/// fuzz-plugins-conf): a table header's first key (`[!]`, `[.a]`, `[é]`, a `[` ending its line),
/// the time of a date-time (`1979-05-27T:`), and a `}` where an array expects a value (`[}`). Its assertion aborts the process (and, built
/// without assertions, it reads on where it has no defined behaviour). Both are invalid TOML
/// anyway, so plugins.conf is scanned first and refused with the line. (The third is refused as
/// any bracket that closes what it did not open.)
///
/// The scan knows just enough TOML to tell a header from a value: comments, the four kinds of
/// strings (a multi-line one may hold a line starting with `[`), and brackets and braces that a
/// value leaves open across lines (an array of arrays).
enum TOMLPreflight {
    /// The line (from 1) of the first such header or date-time and what is wrong there; nil if
    /// there is none.
    static func firstUnreadableLine(in text: String) -> (line: Int, message: String)? {
        let bytes = Array(text.utf8)
        // A byte order mark, which toml++ skips before the first statement.
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        var open: [UInt8] = []  // brackets and braces a value has opened and not closed
        var atStatementStart = true
        var inValue = false  // after a key's `=`, until the statement ends

        /// The index just past the string starting at `start` (a quote), counting its newlines.
        func skipString(from start: Int) -> Int {
            let quote = bytes[start]
            let basic = quote == UInt8(ascii: "\"")
            let multiLine = start + 2 < bytes.count && bytes[start + 1] == quote && bytes[start + 2] == quote
            var j = start + (multiLine ? 3 : 1)
            while j < bytes.count {
                let c = bytes[j]
                if basic && c == UInt8(ascii: "\\") {
                    if j + 1 < bytes.count, bytes[j + 1] == UInt8(ascii: "\n") { line += 1 }
                    j += 2
                    continue
                }
                if c == UInt8(ascii: "\n") {
                    if !multiLine { return j }  // unterminated: toml++ reports it
                    line += 1
                }
                if c == quote {
                    if !multiLine { return j + 1 }
                    if j + 2 < bytes.count, bytes[j + 1] == quote, bytes[j + 2] == quote { return j + 3 }
                }
                j += 1
            }
            return j
        }

        func isDigit(_ c: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) }

        /// Whether the ten bytes before `end` are a date, YYYY-MM-DD.
        func isDate(endingAt end: Int) -> Bool {
            guard end >= 10 else { return false }
            return (0..<10).allSatisfy { k in
                let c = bytes[end - 10 + k]
                return k == 4 || k == 7 ? c == UInt8(ascii: "-") : isDigit(c)
            }
        }

        func isBlank(_ c: UInt8) -> Bool { c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") }

        func startsAKey(_ c: UInt8) -> Bool {
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'")
                    || c == UInt8(ascii: "]")  // `[]`: toml++ refuses a blank key itself
            }
        }

        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\n"):
                line += 1
                if open.isEmpty {
                    atStatementStart = true
                    inValue = false
                }
                i += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                i += 1
            case UInt8(ascii: "#"):
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                atStatementStart = false
                i = skipString(from: i)
            case UInt8(ascii: "[") where atStatementStart && open.isEmpty:
                var j = i + 1
                var blank = false
                while j < bytes.count, isBlank(bytes[j]) { j += 1; blank = true }
                if j < bytes.count, bytes[j] == UInt8(ascii: "["), !blank {  // `[[array of tables]]`
                    j += 1
                    while j < bytes.count, isBlank(bytes[j]) { j += 1 }
                }
                // At the end of the text toml++ reports the unfinished header itself.
                if j < bytes.count, !startsAKey(bytes[j]), !(blank && bytes[j] == UInt8(ascii: "[")) {
                    return (line, "a table name is letters, digits, _ and -, or quoted (\"...\")")
                }
                // The rest of a header line is its keys (quoted ones hold no newline) and a comment.
                while i < bytes.count, bytes[i] != UInt8(ascii: "\n") { i += 1 }
            default:
                if c | 0x20 == UInt8(ascii: "t"), inValue, isDate(endingAt: i), i + 1 >= bytes.count || !isDigit(bytes[i + 1]) {
                    return (line, "a date-time has its time (HH:MM:SS) right after the T")
                }
                atStatementStart = false
                if c == UInt8(ascii: "=") { inValue = true }
                if c == UInt8(ascii: "[") || c == UInt8(ascii: "{") { open.append(c) }
                if c == UInt8(ascii: "]") || c == UInt8(ascii: "}"), let opener = open.popLast() {
                    let expected = opener == UInt8(ascii: "[") ? UInt8(ascii: "]") : UInt8(ascii: "}")
                    if c != expected {
                        return (
                            line, "'\(Character(Unicode.Scalar(c)))' closes a '\(Character(Unicode.Scalar(opener)))': brackets and braces must match"
                        )
                    }
                }
                i += 1
            }
        }
        return nil
    }
}
