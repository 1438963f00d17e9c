import HTTPTypes

/// Who a client is for limits and for one-per-voter rules, written in one place so that every
/// plugin counts the same client the same way.
extension Connection {
    /// `agent:<id>` for an agent; else `ip:<address>` (the first address of `trustedProxyHeader`
    /// when the operator names the header a trusted reverse proxy sets); else `socket:<id>`.
    public func clientKey(trustedProxyHeader: String = "") -> String {
        if let agentId = identity.agentId { return "agent:\(agentId)" }
        if let forwarded = ClientAddress.forwarded(in: handshakeHeaders, trustedProxyHeader: trustedProxyHeader) {
            return "ip:\(forwarded)"
        }
        return remoteIP.isEmpty ? "socket:\(id)" : "ip:\(remoteIP)"
    }
}

/// The client's address as a trusted reverse proxy reports it, for sockets and HTTP requests alike.
enum ClientAddress {
    /// The first address of `trustedProxyHeader` (`X-Forwarded-For: client, proxy1`); nil when
    /// the operator names no header or the request has none.
    static func forwarded(in headers: HTTPFields, trustedProxyHeader: String) -> String? {
        guard !trustedProxyHeader.isEmpty, let name = HTTPField.Name(trustedProxyHeader),
            let first = headers[name]?.split(separator: ",").first?.trimmingCharacters(in: .whitespaces), !first.isEmpty
        else { return nil }
        return first
    }
}

/// The key a rate limit counts under: one budget per event and client.
public enum RateKey {
    public static func event(_ name: String, client: String) -> String { "\(name):\(client)" }

    /// The key for an agent's own budget of `event` (a turn limit counted per agent).
    public static func event(_ name: String, agentId: String) -> String { event(name, client: "agent:\(agentId)") }
}

import Foundation
