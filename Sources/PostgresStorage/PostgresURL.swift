import Foundation

/// Where a PostgreSQL database is, as the `--db` option gives it:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable][&schema=NAME]` (or
/// `postgresql://`), the user, password and database percent-decoded. `schema` puts the arena's
/// tables in that schema of the database (it must exist), so several arenas may share one database. Connections are plain TCP: TLS is not supported
/// yet, so an `sslmode` that demands it is refused rather than quietly ignored.
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    /// The schema the arena's tables live in (the connections' `search_path`); nil: the server's default.
    public var schema: String?

    public static let defaultPort = 5432

    public init(host: String, port: Int = PostgresURL.defaultPort, username: String, password: String?, database: String) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Whether `string` names a PostgreSQL database (rather than, say, an SQLite file path).
    public static func isPostgresURL(_ string: String) -> Bool {
        let lowered = string.lowercased()
        return lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://")
    }

    public init(_ string: String) throws {
        guard Self.isPostgresURL(string) else {
            throw PostgresURLError("not a PostgreSQL URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE): \(Self.redacted(string))")
        }
        guard let components = URLComponents(string: string) else {
            throw PostgresURLError("malformed PostgreSQL URL: \(Self.redacted(string))")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresURLError("the PostgreSQL URL names no host: \(Self.redacted(string))")
        }
        guard let username = components.user, !username.isEmpty else {
            throw PostgresURLError("the PostgreSQL URL names no user (postgres://USER@HOST/DATABASE): \(Self.redacted(string))")
        }
        let encodedPath = components.percentEncodedPath
        let path = encodedPath.hasPrefix("/") ? String(encodedPath.dropFirst()) : encodedPath
        guard !path.isEmpty, !path.contains("/"), let database = path.removingPercentEncoding else {
            throw PostgresURLError("the PostgreSQL URL names no database (postgres://USER@HOST/DATABASE): \(Self.redacted(string))")
        }
        var schema: String?
        for item in components.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("schema", let name):
                guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                    throw PostgresURLError("schema=\(name) is not a plain schema name (letters, digits and _)")
                }
                schema = name
            case ("sslmode", "disable"), ("sslmode", "allow"), ("sslmode", "prefer"):
                continue  // a plain connection satisfies each of these
            case ("sslmode", let mode):
                throw PostgresURLError(
                    "sslmode=\(mode) is not supported: connections to PostgreSQL are not encrypted yet (use sslmode=disable, over a trusted network)"
                )
            default:
                throw PostgresURLError(
                    "unsupported parameter '\(item.name)' in the PostgreSQL URL (only sslmode=disable and schema=NAME are understood)")
            }
        }
        // URLComponents keeps the brackets of an IPv6 literal; a socket address wants it bare.
        var bareHost = host
        if bareHost.hasPrefix("["), bareHost.hasSuffix("]") { bareHost = String(bareHost.dropFirst().dropLast()) }
        self.init(
            host: bareHost,
            port: components.port ?? Self.defaultPort,
            username: username,
            password: components.password,
            database: database
        )
        self.schema = schema
    }

    /// The URL with its password hidden, for logs and errors.
    public var description: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)\(schema.map { "?schema=\($0)" } ?? "")"
    }

    /// `string` with anything between `://` and `@` replaced, so that errors never show a password.
    static func redacted(_ string: String) -> String {
        guard let scheme = string.range(of: "://"), let at = string.range(of: "@", options: .backwards),
            scheme.upperBound <= at.lowerBound
        else { return string }
        return string.replacingCharacters(in: scheme.upperBound..<at.lowerBound, with: "***")
    }
}

/// A `--db` URL that cannot be used, and why.
public struct PostgresURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
