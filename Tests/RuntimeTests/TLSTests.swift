import Foundation
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import Runtime
import ServerTLS
import SocketIOServer
import Testing

/// `serve --tls-cert --tls-key`: the runtime's application on a real port behind TLS, with a
/// certificate made for the test by the openssl command.
@Suite struct TLSTests {
    @Test func anHTTPSGetOfHealthVerifiesTheCertificateAndAnswers() async throws {
        let files = try TestCertificate.make()
        try await withTLSServer(files) { port in
            try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: files.testClientConfiguration) {
                client in
                let response = try await client.get("/health")
                #expect(response.status == .ok)
                #expect(String(buffer: response.body ?? ByteBuffer()) == #"{"database":"ok","status":"ok"}"#)
                // Engine.IO is behind the same TLS: a long-polling handshake opens a session.
                let open = try await client.get("/socket.io/?EIO=4&transport=polling")
                #expect(open.status == .ok)
                #expect(String(buffer: open.body ?? ByteBuffer()).hasPrefix(#"0{"sid":"#))
            }
        }
    }

    @Test func aClientThatDoesNotTrustTheCertificateRefusesTheHandshake() async throws {
        let files = try TestCertificate.make()
        try await withTLSServer(files) { port in
            // The system's roots, which do not hold the test's self-signed certificate.
            let untrusted = await HandshakeProbe.run(port: port, configuration: .makeClientConfiguration())
            #expect(untrusted.contains("CERTIFICATE_VERIFY_FAILED"), "\(untrusted)")
            var trusting = TLSConfiguration.makeClientConfiguration()
            trusting.trustRoots = .file(files.certificate)
            let trusted = await HandshakeProbe.run(port: port, configuration: trusting)
            #expect(trusted == "handshake completed, ALPN http/1.1")
        }
    }

    @Test func plainHTTPToTheTLSPortIsRefusedWith400AndClosedWhileTLSClientsGoOn() async throws {
        let files = try TestCertificate.make()
        try await withTLSServer(files) { port in
            let outcome = try await PlainExchange.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", port: port)
            #expect(outcome.error == nil, "closed cleanly, not reset")
            #expect(outcome.text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            #expect(outcome.text.contains("Connection: close\r\n"))
            #expect(outcome.text.hasSuffix(#"{"error":{"code":"TLS_REQUIRED","message":"this port speaks HTTPS only: use https:// or wss://"}}"#))
            try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: files.testClientConfiguration) {
                client in
                let health = try await client.get("/health")
                #expect(health.status == .ok)
            }
        }
    }

    @Test func bytesThatAreNeitherHTTPNorTLSEndTheConnection() async throws {
        let files = try TestCertificate.make()
        try await withTLSServer(files) { port in
            let outcome = try await PlainExchange.send("\u{1}\u{2}\u{3} not a handshake\r\n\r\n", port: port)
            #expect(!outcome.text.contains("HTTP/1.1"))
        }
    }

    @Test func aKeyThatDoesNotMatchTheCertificateIsRefusedAtStartNamingBothFiles() throws {
        let files = try TestCertificate.make()
        let other = try TestCertificate.make()
        #expect {
            try PEMServerTLS(certificatePath: files.certificate, privateKeyPath: other.key)
        } throws: { error in
            let text = "\(error)"
            return text.contains(files.certificate) && text.contains(other.key)
        }
        #expect(throws: PEMServerTLS.LoadError.self) {
            try PEMServerTLS(certificatePath: files.directory + "/missing.pem", privateKeyPath: files.key)
        }
    }

    /// Runs the runtime's HTTP application (no plugins: its own routes, `/health` among them,
    /// and Socket.IO) with TLS on 127.0.0.1 and a free port.
    private func withTLSServer(_ files: TestCertificate, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        var logger = Logger(label: "tls-test")
        logger.logLevel = .warning
        var environment = RuntimeEnvironment(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton, database: try SQLiteDatabase.inMemory(), logger: logger)
        environment.tls = try PEMServerTLS(certificatePath: files.certificate, privateKeyPath: files.key)
        let runtime = try ArenaRuntime.build(plugins: [], environment: environment)
        try await runtime.application(host: "127.0.0.1", port: 0).test(.live) { client in
            try await body(try #require(client.port))
        }
    }
}

/// A self-signed certificate for 127.0.0.1 and localhost and its key, made by `openssl` in a new
/// temporary folder.
struct TestCertificate {
    let directory: String
    var certificate: String { directory + "/cert.pem" }
    var key: String { directory + "/key.pem" }

    /// Trusts this certificate alone, and verifies it for the name localhost (SNI takes a host
    /// name, not an address).
    var testClientConfiguration: TestClient.Configuration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificate)
        return .init(tlsConfiguration: tls, timeout: .seconds(10), serverName: "localhost")
    }

    static func make() throws -> TestCertificate {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moltarena-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let files = TestCertificate(directory: directory)
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", files.key, "-out", files.certificate, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else {
            throw CertificateError(description: "openssl req exited with \(openssl.terminationStatus) (is openssl installed?)")
        }
        return files
    }

    struct CertificateError: Error, CustomStringConvertible {
        var description: String
    }
}

/// Sends bytes over plain TCP and collects what comes back until the server closes.
enum PlainExchange {
    struct Outcome: Sendable {
        var text: String
        /// What ended the connection; nil: a clean EOF.
        var error: (any Error)?
    }

    static func send(_ text: String, port: Int) async throws -> Outcome {
        let promise = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: Outcome.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Collector(promise)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: text))
        // The safety net only: the server is expected to close by itself.
        let timedOut = NIOLockedValueBox(false)
        let timer = channel.eventLoop.scheduleTask(in: .seconds(10)) {
            timedOut.withLockedValue { $0 = true }
            channel.close(promise: nil)
        }
        let outcome = try await promise.futureResult.get()
        timer.cancel()
        if timedOut.withLockedValue({ $0 }) { throw StillOpen() }
        return outcome
    }

    struct StillOpen: Error {}

    private final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        private let promise: EventLoopPromise<Outcome>
        private var bytes = ByteBuffer()
        private var error: (any Error)?

        init(_ promise: EventLoopPromise<Outcome>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var incoming = unwrapInboundIn(data)
            bytes.writeBuffer(&incoming)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            self.error = self.error ?? error
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.succeed(Outcome(text: String(buffer: bytes), error: error))
        }
    }
}

/// A TLS client that only shakes hands (for the name localhost) and tells how that went.
enum HandshakeProbe {
    static func run(port: Int, configuration: TLSConfiguration) async -> String {
        do {
            var configuration = configuration
            configuration.applicationProtocols = ["h2", "http/1.1"]
            let context = try NIOSSLContext(configuration: configuration)
            let promise = MultiThreadedEventLoopGroup.singleton.any().makePromise(of: String.self)
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                        try channel.pipeline.syncOperations.addHandler(Watcher(promise))
                    }
                }
                .connect(host: "127.0.0.1", port: port).get()
            defer { channel.close(promise: nil) }
            return try await promise.futureResult.get()
        } catch {
            return "\(error)"
        }
    }

    private final class Watcher: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        private var promise: EventLoopPromise<String>?

        init(_ promise: EventLoopPromise<String>) { self.promise = promise }

        private func finish(_ outcome: String) {
            promise?.succeed(outcome)
            promise = nil
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if case .handshakeCompleted(let negotiated) = event as? TLSUserEvent {
                finish("handshake completed, ALPN \(negotiated ?? "none")")
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            finish("\(error)")
        }

        func channelInactive(context: ChannelHandlerContext) {
            finish("closed before the handshake completed")
        }
    }
}
