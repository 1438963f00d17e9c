import ArgumentParser
import Runtime

/// `serve`'s limits on what one client may send and hold (docs/SECURITY.md): each overrides the
/// `[server]` table of plugins.conf (``ServerOptions``), which holds the defaults given here.
struct LimitOptions: ParsableArguments {
    @Option(help: "Seconds a client has to send a request's head (0: no limit; default 10).") var headTimeoutSeconds: Double?
    @Option(help: "Seconds a client has to send a request's body once its head is in (0: no limit; default 30).")
    var bodyTimeoutSeconds: Double?
    @Option(help: "Seconds an idle keep-alive connection stays open (0: no limit; default 60).") var idleTimeoutSeconds: Double?
    @Option(help: "Longest request target in bytes (longer: 414; default 8192).") var maxUriBytes: Int?
    @Option(help: "Most bytes of request headers (more: 431; default 16384).") var maxHeaderBytes: Int?
    @Option(help: "Most request header lines (more: 431; default 100).") var maxHeaders: Int?
    @Option(help: "Largest request body in bytes, refused before it is read when declared (larger: 413; default 1000000).")
    var maxBodyBytes: Int?
    @Option(help: "Most open connections from one client address (0: no cap; default 256).") var maxConnectionsPerAddress: Int?
    @Option(help: "Most new Socket.IO sessions one client address may open per second (0: no cap; default 30).")
    var maxHandshakesPerAddressPerSecond: Int?
    @Option(help: "A client's (agent's or address's) budget of an event, in multiples of one connection's (default 4).")
    var identityBudgetFactor: Int?
    @Option(help: "Unknown events one connection may send per 10 seconds before RATE_LIMITED (default 10).") var unknownEventsPer10Seconds: Int?
    @Option(help: "Refusals by its own rate limits within --abuse-window-seconds that disconnect a connection (0: never; default 50).")
    var abuseRefusals: Int?
    @Option(help: "The window of --abuse-refusals, in seconds (default 10).") var abuseWindowSeconds: Double?

    /// `table` with the options given on the command line in its place, checked.
    func applied(to table: ServerOptions) throws -> ServerOptions {
        var options = table
        let seconds: [(Double?, WritableKeyPath<ServerOptions, Double>)] = [
            (headTimeoutSeconds, \.headTimeoutSeconds), (bodyTimeoutSeconds, \.bodyTimeoutSeconds),
            (idleTimeoutSeconds, \.idleTimeoutSeconds), (abuseWindowSeconds, \.abuseWindowSeconds),
        ]
        let counts: [(Int?, WritableKeyPath<ServerOptions, Int>)] = [
            (maxUriBytes, \.maxURIBytes), (maxHeaderBytes, \.maxHeaderBytes), (maxHeaders, \.maxHeaders), (maxBodyBytes, \.maxBodyBytes),
            (maxConnectionsPerAddress, \.maxConnectionsPerAddress), (maxHandshakesPerAddressPerSecond, \.maxHandshakesPerAddressPerSecond),
            (identityBudgetFactor, \.identityBudgetFactor), (unknownEventsPer10Seconds, \.unknownEventsPer10Seconds),
            (abuseRefusals, \.abuseRefusals),
        ]
        for (given, key) in seconds { if let given { options[keyPath: key] = given } }
        for (given, key) in counts { if let given { options[keyPath: key] = given } }
        do {
            return try options.validated()
        } catch {
            throw ValidationError("--\(error.key.replacingOccurrences(of: "_", with: "-")) must be \(error.expected)")
        }
    }
}
