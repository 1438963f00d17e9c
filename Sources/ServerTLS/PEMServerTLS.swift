import NIOCore
import NIOSSL
import SocketIOServer

/// TLS for the server's port from two PEM files: the certificate chain (the server's certificate
/// first, then any intermediates) and its private key. TLS 1.2 and 1.3, HTTP/1.1 offered by ALPN.
///
/// Both files are read once, when the server starts: a renewed certificate takes a restart.
public struct PEMServerTLS: TransportSecurity {
    /// Why the files cannot serve: which file, and what was wrong with it.
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    private let context: NIOSSLContext

    public init(certificatePath: String, privateKeyPath: String) throws(LoadError) {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw LoadError(description: "cannot read the TLS certificate \(certificatePath): \(error)")
        }
        guard !chain.isEmpty else {
            throw LoadError(description: "no PEM certificate in \(certificatePath)")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        } catch {
            throw LoadError(description: "cannot read the TLS private key \(privateKeyPath): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw LoadError(
                description:
                    "the TLS certificate \(certificatePath) and key \(privateKeyPath) do not make a server context (does the key match?): \(error)"
            )
        }
    }

    public func addServerHandler(to pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(NIOSSLServerHandler(context: context), position: .first)
    }
}
