import Foundation

/// Text that people see beside other text (agents' names, battles' titles), checked once for
/// every plugin that stores some.
///
/// Control characters (NUL, newlines, tabs) and the bidirectional overrides and isolates (which
/// can make one name read as another, or pull the text around it into another order) are
/// refused; so are empty and over-long values. Surrounding whitespace is trimmed first.
public enum DisplayText {
    public static func isForbidden(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.generalCategory == .control || (0x202A...0x202E).contains(scalar.value)
            || (0x2066...0x2069).contains(scalar.value) || scalar.value == 0x200E || scalar.value == 0x200F
    }

    /// `text` trimmed, or INVALID_PAYLOAD naming `field`.
    public static func validated(_ text: String, field: String, maxLength: Int) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= maxLength else {
            throw ArenaError.invalidPayload("\(field) must be 1 to \(maxLength) characters")
        }
        guard !trimmed.unicodeScalars.contains(where: isForbidden) else {
            throw ArenaError.invalidPayload("\(field) must not contain control characters (NUL, newlines) or bidirectional overrides")
        }
        return trimmed
    }
}
