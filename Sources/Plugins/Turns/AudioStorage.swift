import Foundation
import Hummingbird
import Runtime

/// Turn audio on disk under a data folder, served at `/audio/<file>`.
struct AudioStorage: Sendable {
    let directory: URL

    init(directory: String) {
        self.directory = URL(fileURLWithPath: directory, isDirectory: true)
    }

    /// Writes the audio and returns the URL path clients fetch it from.
    func store(_ audio: SynthesizedAudio, name: String) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = "\(name).\(audio.fileExtension)"
        try Data(audio.bytes).write(to: directory.appendingPathComponent(file), options: .atomic)
        return "/audio/\(file)"
    }

    func addRoutes(to router: Router<ArenaRequestContext>) {
        let directory = self.directory
        router.get("/audio/:file") { _, context in
            let file = try context.parameters.require("file")
            // Only plain names written by `store`: no paths, no dot files.
            guard file.range(of: #"^[A-Za-z0-9_]+\.(wav|mp3|ogg)$"#, options: .regularExpression) != nil,
                let data = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path)
            else { throw ArenaError(.notFound, "no audio \(file)", status: .notFound) }
            let type = file.hasSuffix(".wav") ? "audio/wav" : file.hasSuffix(".ogg") ? "audio/ogg" : "audio/mpeg"
            return Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }
}

import NIOCore
