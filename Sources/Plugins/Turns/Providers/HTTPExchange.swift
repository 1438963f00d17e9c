import Runtime
import AsyncHTTPClient
import NIOCore

/// One HTTP request to a provider, bounded in time and size, with every failure turned into a
/// `ProviderError` so callers have a single error to fall back on.
///
/// The whole exchange (connect, head and body) runs under `withDeadline`: AsyncHTTPClient's own
/// deadline stops covering the request once the response head has arrived, so a server that
/// sends headers and then stalls the body would otherwise hold the caller. The body is read up to
/// `maxBytes`, so a misbehaving server cannot make us buffer without bound.
struct HTTPExchange {
    struct Answer: Sendable {
        var status: Int
        var contentType: String?
        var body: ByteBuffer
    }

    var provider: String
    var httpClient: HTTPClient
    var timeout: Duration
    var maxBytes: Int

    func send(_ request: HTTPClientRequest) async throws(ProviderError) -> Answer {
        let client = httpClient
        let timeout = timeout
        let maxBytes = maxBytes
        do {
            return try await withDeadline(timeout) {
                let response = try await client.execute(request, timeout: TimeAmount(timeout))
                let body = try await response.body.collect(upTo: maxBytes)
                return Answer(status: Int(response.status.code), contentType: response.headers.first(name: "content-type"), body: body)
            }
        } catch is DeadlineExceeded {
            throw timedOut()
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw timedOut()
        } catch is NIOTooManyBytesError {
            throw ProviderError(provider: provider, reason: "response larger than \(maxBytes) bytes")
        } catch is CancellationError {
            throw ProviderError(provider: provider, reason: "cancelled")
        } catch {
            throw ProviderError(provider: provider, reason: "request failed: \(error)")
        }
    }

    private func timedOut() -> ProviderError {
        ProviderError(provider: provider, reason: "no answer within \(timeout)")
    }

    /// `base` without trailing slashes, then `path`: callers configure `https://host` or
    /// `https://host/` alike.
    static func url(_ base: String, _ path: String) -> String {
        var base = Substring(base)
        while base.hasSuffix("/") { base = base.dropLast() }
        return base + path
    }
}
