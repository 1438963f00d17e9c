import PostgresStorage
import Testing

@Suite struct PostgresURLTests {
    @Test func aFullURLIsReadPercentDecoded() throws {
        let url = try PostgresURL("postgres://ar%40ena:p%2Fss%3Aword@db.example:6543/molt%20arena?sslmode=disable")
        #expect(url == PostgresURL(host: "db.example", port: 6543, username: "ar@ena", password: "p/ss:word", database: "molt arena"))
        #expect(url.description == "postgres://ar@ena:***@db.example:6543/molt arena")
    }

    @Test func thePortDefaultsAndEitherSchemeIsAccepted() throws {
        let url = try PostgresURL("postgresql://arena@127.0.0.1/moltarena")
        #expect(url == PostgresURL(host: "127.0.0.1", port: 5432, username: "arena", password: nil, database: "moltarena"))
        #expect(try PostgresURL("postgres://arena@[::1]:5433/db").host == "::1")
    }

    @Test func whatIsAPostgresURL() {
        #expect(PostgresURL.isPostgresURL("postgres://a@b/c"))
        #expect(PostgresURL.isPostgresURL("PostgreSQL://a@b/c"))
        #expect(!PostgresURL.isPostgresURL("moltarena.sqlite"))
        #expect(!PostgresURL.isPostgresURL("/var/lib/postgres/arena.sqlite"))
    }

    @Test func aSchemaPutsTheTablesThere() throws {
        let url = try PostgresURL("postgres://arena@host/db?sslmode=disable&schema=arena_two")
        #expect(url.schema == "arena_two")
        #expect(url.description == "postgres://arena@host:5432/db?schema=arena_two")
        #expect(try PostgresURL("postgres://arena@host/db").schema == nil)
    }

    @Test(arguments: [
        ("postgres://arena:secret@host/db?schema=a;drop", "not a plain schema name"),
        ("postgres://arena:secret@host/db?sslmode=require", "sslmode=require is not supported"),
        ("postgres://arena:secret@host/db?sslmode=verify-full", "sslmode=verify-full is not supported"),
        ("postgres://arena:secret@host/db?application_name=x", "unsupported parameter 'application_name'"),
        ("postgres://arena:secret@host", "names no database"),
        ("postgres://host/db", "names no user"),
        ("postgres://arena:secret@/db", "names no host"),
        ("mysql://arena:secret@host/db", "not a PostgreSQL URL"),
    ])
    func unusableURLsAreRefusedWithoutShowingThePassword(url: String, reason: String) {
        let error = #expect(throws: PostgresURLError.self) { try PostgresURL(url) }
        #expect(error?.message.contains(reason) == true, "\(String(describing: error))")
        #expect(error?.message.contains("secret") == false)
    }
}
