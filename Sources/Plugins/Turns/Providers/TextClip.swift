import Foundation

/// Shortens provider text to a length the UI and the battle log can afford, because a model
/// does not always respect "one or two sentences".
enum TextClip {
    /// `text` if it has at most `maxLength` characters; otherwise cut at the last space before the
    /// limit (when there is one in the second half) and ended with "…", `maxLength` in all.
    static func clip(_ text: String, maxLength: Int) -> String {
        guard text.count > maxLength, maxLength > 1 else { return text }
        var cut = text.prefix(maxLength - 1)
        if let space = cut.lastIndex(of: " "), cut.distance(from: cut.startIndex, to: space) >= maxLength / 2 {
            cut = cut[..<space]
        }
        return cut.trimmingCharacters(in: .whitespacesAndNewlines) + "…"
    }

    /// Runs of whitespace (newlines included) become one space; ends are trimmed.
    static func singleLine(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }
}
