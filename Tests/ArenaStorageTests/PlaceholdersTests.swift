import Testing

@testable import PostgresStorage

@Suite struct PlaceholdersTests {
    @Test(arguments: [
        ("SELECT ?", "SELECT $1", 1),
        ("INSERT INTO t (a, b) VALUES (?, ?)", "INSERT INTO t (a, b) VALUES ($1, $2)", 2),
        ("SELECT 1", "SELECT 1", 0),
        ("SELECT '?', ?", "SELECT '?', $1", 1),
        ("SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1),
        (#"SELECT E'\'?', ?"#, #"SELECT E'\'?', $1"#, 1),
        (#"SELECT '\', ?"#, #"SELECT '\', $1"#, 1),  // a backslash is plain text in a standard string
        (#"SELECT ? AS "a?""b", ?"#, #"SELECT $1 AS "a?""b", $2"#, 2),
        ("SELECT ? -- what?\n, ?", "SELECT $1 -- what?\n, $2", 2),
        ("SELECT /* a /* nested? */ ? */ ?", "SELECT /* a /* nested? */ ? */ $1", 1),
        ("SELECT $$ ? $$, $tag$ ?$ ? $tag$, ?", "SELECT $$ ? $$, $tag$ ?$ ? $tag$, $1", 1),
        ("SELECT name$ FROM t WHERE x = ?", "SELECT name$ FROM t WHERE x = $1", 1),
        ("SELECT '日本?', ?", "SELECT '日本?', $1", 1),
        ("SELECT 'unterminated ?", "SELECT 'unterminated ?", 0),
    ])
    func placeholdersOutsideLiteralsIdentifiersAndCommentsAreNumbered(sql: String, expected: String, count: Int) {
        let numbered = Placeholders.numbered(sql)
        #expect(numbered.sql == expected)
        #expect(numbered.count == count)
    }

    @Test func tenPlaceholdersAndMore() {
        let sql = Array(repeating: "?", count: 12).joined(separator: ", ")
        #expect(Placeholders.numbered(sql).sql == (1...12).map { "$\($0)" }.joined(separator: ", "))
    }
}
