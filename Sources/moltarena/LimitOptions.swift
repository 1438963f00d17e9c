import ArgumentParser
import Runtime
import SocketIOServer

/// `serve`'s limits on what one client may send and hold (docs/SECURITY.md). Defaults suit a
/// server open to the internet; 0 turns a timeout or a cap off.
struct LimitOptions: ParsableArguments {
    @Option(help: "Seconds a client has to send a request's head (0: no limit).") var headTimeoutSeconds = 10.0
    @Option(help: "Seconds a client has to send a request's body once its head is in (0: no limit).") var bodyTimeoutSeconds = 30.0
    @Option(help: "Seconds an idle keep-alive connection stays open (0: no limit).") var idleTimeoutSeconds = 60.0
    @Option(help: "Longest request target in bytes (longer: 414).") var maxUriBytes = 8 * 1024
    @Option(help: "Most bytes of request headers (more: 431).") var maxHeaderBytes = 16 * 1024
    @Option(help: "Most request header lines (more: 431).") var maxHeaders = 100
    @Option(help: "Largest request body in bytes, refused before it is read when declared (larger: 413).") var maxBodyBytes = 1_000_000
    @Option(help: "Most open connections from one client address (0: no cap).") var maxConnectionsPerAddress = 256
    @Option(help: "Most new Socket.IO sessions one client address may open per second (0: no cap).") var maxHandshakesPerAddressPerSecond = 30
    @Option(help: "A client's (agent's or address's) budget of an event, in multiples of one connection's.") var identityBudgetFactor = 4
    @Option(help: "Unknown events one connection may send per 10 seconds before RATE_LIMITED.") var unknownEventsPer10Seconds = 10
    @Option(help: "Refusals by its own rate limits within --abuse-window-seconds that disconnect a connection (0: never).") var abuseRefusals = 50
    @Option(help: "The window of --abuse-refusals, in seconds.") var abuseWindowSeconds = 10.0

    func validate() throws {
        for (name, value) in [("head", headTimeoutSeconds), ("body", bodyTimeoutSeconds), ("idle", idleTimeoutSeconds)] where value < 0 {
            throw ValidationError("--\(name)-timeout-seconds must be 0 (no limit) or more")
        }
        for (name, value) in [
            ("--max-uri-bytes", maxUriBytes), ("--max-header-bytes", maxHeaderBytes), ("--max-headers", maxHeaders),
            ("--max-body-bytes", maxBodyBytes),
        ] where value < 1 {
            throw ValidationError("\(name) must be 1 or more")
        }
        guard identityBudgetFactor >= 1, unknownEventsPer10Seconds >= 1, abuseWindowSeconds > 0 else {
            throw ValidationError(
                "--identity-budget-factor and --unknown-events-per-10-seconds must be 1 or more, --abuse-window-seconds more than 0")
        }
        guard maxConnectionsPerAddress >= 0, maxHandshakesPerAddressPerSecond >= 0, abuseRefusals >= 0 else {
            throw ValidationError("the per-address caps and --abuse-refusals must be 0 (no cap) or more")
        }
    }

    var eventLimits: EventLimits {
        var limits = EventLimits()
        limits.identityFactor = identityBudgetFactor
        limits.unknownEvents = RateLimit(unknownEventsPer10Seconds, per: .seconds(10))
        limits.abuseRefusals = abuseRefusals
        limits.abuseWindow = .nanoseconds(Int64(abuseWindowSeconds * 1e9))
        return limits
    }

    var httpLimits: HTTPLimits {
        func timeout(_ seconds: Double) -> Duration? { seconds > 0 ? .nanoseconds(Int64(seconds * 1e9)) : nil }
        return HTTPLimits(
            headTimeout: timeout(headTimeoutSeconds), bodyTimeout: timeout(bodyTimeoutSeconds), idleTimeout: timeout(idleTimeoutSeconds),
            maxURIBytes: maxUriBytes, maxHeaderBytes: maxHeaderBytes, maxHeaderCount: maxHeaders, maxBodyBytes: maxBodyBytes,
            maxConnectionsPerAddress: maxConnectionsPerAddress
        )
    }
}
