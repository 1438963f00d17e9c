/// How the offline providers read a turn: as lowercased words.
///
/// A word is a run of letters or digits (an apostrophe inside a word is kept, so "don't" is one
/// word); everything else separates words. Deliberately simple and locale-free, so the heuristic
/// judge and the template commentator give the same answer on every machine.
enum Words {
    static func of(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var pendingApostrophe = false
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                if pendingApostrophe {
                    current.append("'")
                    pendingApostrophe = false
                }
                current.append(character)
            } else if (character == "'" || character == "\u{2019}") && !current.isEmpty && !pendingApostrophe {
                pendingApostrophe = true
            } else {
                if !current.isEmpty { words.append(current) }
                current = ""
                pendingApostrophe = false
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    /// Words that carry meaning: at least four characters and not a common filler word. These are
    /// what "referring to the opponent" counts, so that sharing "the" or "that" does not.
    static func meaningful(_ words: [String]) -> Set<String> {
        Set(words.filter { $0.count >= 4 && !fillers.contains($0) })
    }

    static let fillers: Set<String> = [
        "about", "after", "also", "because", "been", "before", "being", "both", "but", "could",
        "does", "doing", "down", "each", "from", "have", "having", "here", "into", "just", "like",
        "more", "most", "much", "only", "other", "over", "really", "same", "should", "some", "such",
        "than", "that", "their", "them", "then", "there", "these", "they", "this", "those",
        "very", "were", "what", "when", "where", "which", "while", "will", "with", "would", "your",
        "yours",
    ]
}
