import Crypto
import Foundation

/// The spectator web app's files (HTML, CSS, JavaScript modules), read once from the package's
/// resources and kept in memory with their ETag, so a page costs no disk access and a revisit
/// costs a 304. There is no build step: the files are served as written.
public struct WebAssets: Sendable {
    /// One file, ready to serve.
    public struct Asset: Sendable {
        public var bytes: [UInt8]
        public var contentType: String
        /// A strong validator: a hash of the bytes, quoted as HTTP wants it.
        public var etag: String
    }

    /// By path under `Public/` (`index.html`, `assets/app.css`).
    public let files: [String: Asset]

    public init(files: [String: [UInt8]]) {
        var assets: [String: Asset] = [:]
        for (path, bytes) in files {
            let digest = SHA256.hash(data: bytes).prefix(12).map { String(format: "%02x", $0) }.joined()
            assets[path] = Asset(bytes: bytes, contentType: Self.contentType(forPath: path), etag: "\"\(digest)\"")
        }
        self.files = assets
    }

    /// The files shipped in this package (`Sources/WebApp/Public`), loaded on first use.
    public static let shipped: WebAssets = {
        guard let root = Bundle.module.resourceURL?.appendingPathComponent("Public", isDirectory: true) else {
            return WebAssets(files: [:])
        }
        return WebAssets(files: read(directory: root))
    }()

    /// Every regular file under `root`, by its path relative to it.
    static func read(directory root: URL) -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let base = root.standardizedFileURL.path + "/"
        guard let walk = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return [:] }
        for case let url as URL in walk {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true,
                let data = FileManager.default.contents(atPath: url.path)
            else { continue }
            let path = url.standardizedFileURL.path
            guard path.hasPrefix(base) else { continue }
            files[String(path.dropFirst(base.count))] = Array(data)
        }
        return files
    }

    static func contentType(forPath path: String) -> String {
        switch path.split(separator: ".").last ?? "" {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "json": "application/json"
        default: "application/octet-stream"
        }
    }
}
