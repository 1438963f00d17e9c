import Foundation
import NIOCore

/// Prints the one line scripts and tests wait for: `listening on http://HOST:PORT` (`https://`
/// with TLS), with the real port when port 0 was asked for.
enum ListeningAnnouncer {
    static func announce(scheme: String = "http", host: String, channel: any Channel) {
        let port = channel.localAddress?.port ?? 0
        // Straight to the descriptor: stdout may be a pipe a test reads from.
        FileHandle.standardOutput.write(Data("listening on \(scheme)://\(host):\(port)\n".utf8))
    }
}
