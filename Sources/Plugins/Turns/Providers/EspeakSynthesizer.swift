import Runtime
import Foundation

/// Speech from the local espeak-ng program: robotic but free, offline and fast, so a battle can
/// have audio without any account.
///
/// Each call runs `espeak-ng -b 1 -w <temp>.wav [-v voice] [-s wpm] --stdin` with the text fed
/// on standard input from a temporary file. The text never appears in the argument list, so a
/// turn such as `--help -w /etc/x` is spoken, not read as options; and a file rather than a pipe
/// means no pipe buffer to deadlock on and no SIGPIPE if the program dies early. The program is
/// killed (SIGKILL) if it has not finished within `timeout`. The audio is returned as WAV bytes;
/// every failure (program missing, non-zero exit with its stderr, timeout, missing or non-WAV
/// output) is a `ProviderError` with provider `espeak`. Temporary files are removed afterwards.
public struct EspeakSynthesizer: SpeechSynthesizer {
    public static let executableName = "espeak-ng"
    /// Output larger than this is refused rather than loaded (minutes of speech already).
    public static let maxAudioBytes = 64 << 20

    public let name = "espeak"
    /// The program run; nil when it was not given and is not on `PATH`.
    public let executablePath: String?
    public let voice: String?
    public let wordsPerMinute: Int?
    public let timeout: Duration

    /// - Parameters:
    ///   - executablePath: the espeak-ng program; nil looks `espeak-ng` up on `PATH` now.
    ///   - voice: an espeak-ng voice such as `en-us` or `en+f3`; nil for its default.
    ///   - wordsPerMinute: speaking rate; nil for its default (175).
    public init(executablePath: String? = nil, voice: String? = nil, wordsPerMinute: Int? = nil, timeout: Duration = .seconds(10)) {
        self.executablePath = executablePath ?? Self.locate()
        self.voice = voice
        self.wordsPerMinute = wordsPerMinute
        self.timeout = timeout
    }

    /// Whether `espeak-ng` is on `PATH`, i.e. whether the default synthesizer can work here.
    public static var isAvailable: Bool { locate() != nil }

    /// The first executable `name` in the directories of `searchPath` (a `PATH`-style list).
    public static func locate(
        _ name: String = executableName,
        searchPath: String? = ProcessInfo.processInfo.environment["PATH"]
    ) -> String? {
        guard let searchPath else { return nil }
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }

    public func synthesize(_ text: String) async throws -> SynthesizedAudio {
        guard let executablePath else {
            throw failure("\(Self.executableName) not found on PATH")
        }
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw failure("no text to speak") }
        let arguments = try arguments()

        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("espeak-\(UUID().uuidString)", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        } catch {
            throw failure("cannot create a temporary directory: \(error)")
        }
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("text.txt")
        let output = directory.appendingPathComponent("speech.wav")
        let errors = directory.appendingPathComponent("stderr.txt")

        let process = Process()
        do {
            try Data(text.utf8).write(to: input)
            try Data().write(to: errors)
            process.executableURL = URL(fileURLWithPath: executablePath)
            process.arguments = ["-b", "1", "-w", output.path] + arguments + ["--stdin"]
            process.standardInput = try FileHandle(forReadingFrom: input)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: errors)
        } catch {
            throw failure("cannot prepare the files: \(error)")
        }
        defer {
            try? (process.standardInput as? FileHandle)?.close()
            try? (process.standardError as? FileHandle)?.close()
        }
        let exit = ProcessExit()
        process.terminationHandler = { _ in exit.signal() }
        do {
            try process.run()
        } catch {
            throw failure("cannot run \(executablePath): \(error)")
        }
        do {
            try await withDeadline(timeout) { await exit.wait() }
        } catch {
            kill(process.processIdentifier, SIGKILL)
            await exit.wait()
            throw failure(error is DeadlineExceeded ? "no audio within \(timeout); killed" : "cancelled")
        }

        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let stderr = (try? String(contentsOf: errors, encoding: .utf8)).map(TextClip.singleLine) ?? ""
            let how = process.terminationReason == .exit ? "exited with status" : "killed by signal"
            let detail = stderr.isEmpty ? "" : ": \(TextClip.clip(stderr, maxLength: 200))"
            throw failure("\(how) \(process.terminationStatus)\(detail)")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int) ?? nil
        guard let size else { throw failure("no audio written") }
        guard size <= Self.maxAudioBytes else { throw failure("audio larger than \(Self.maxAudioBytes) bytes") }
        guard let bytes = try? [UInt8](Data(contentsOf: output)), Self.isWAV(bytes) else {
            throw failure("the output is not a WAV file")
        }
        return SynthesizedAudio(bytes: bytes, fileExtension: "wav", contentType: "audio/wav")
    }

    /// Voice and rate options, checked so that a configured value cannot smuggle in options.
    func arguments() throws(ProviderError) -> [String] {
        var arguments: [String] = []
        if let voice {
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_+/"))
            guard !voice.isEmpty, !voice.hasPrefix("-"), voice.unicodeScalars.allSatisfy(allowed.contains) else {
                throw failure("invalid voice name")
            }
            arguments += ["-v", voice]
        }
        if let wordsPerMinute {
            guard (10...1000).contains(wordsPerMinute) else { throw failure("invalid speaking rate") }
            arguments += ["-s", "\(wordsPerMinute)"]
        }
        return arguments
    }

    /// A RIFF container of WAVE data: bytes 0–3 `RIFF`, 8–11 `WAVE`.
    public static func isWAV(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 12 && bytes[0..<4].elementsEqual("RIFF".utf8) && bytes[8..<12].elementsEqual("WAVE".utf8)
    }

    private func failure(_ reason: String) -> ProviderError {
        ProviderError(provider: name, reason: reason)
    }
}
