import Foundation
import Testing
import TurnsPlugin

@Suite("espeak-ng synthesizer")
struct EspeakSynthesizerTests {
    @Test(
        "speaks a short text into a WAV file",
        .enabled(if: EspeakSynthesizer.isAvailable, "espeak-ng is not installed (apt-get install espeak-ng); skipping the real synthesis")
    )
    func synthesizes() async throws {
        let speech = try await EspeakSynthesizer(timeout: .seconds(20)).synthesize("Alice wins the battle.")
        #expect(speech.fileExtension == "wav")
        #expect(speech.contentType == "audio/wav")
        #expect(speech.bytes.count > 44)
        #expect(Array(speech.bytes[0..<4]) == Array("RIFF".utf8))
        #expect(Array(speech.bytes[8..<12]) == Array("WAVE".utf8))
    }

    @Test(
        "text that looks like options is spoken, not obeyed",
        .enabled(if: EspeakSynthesizer.isAvailable, "espeak-ng is not installed (apt-get install espeak-ng); skipping the real synthesis")
    )
    func optionsInText() async throws {
        let directory = try TemporaryDirectory()
        let target = directory.url.appendingPathComponent("hijacked.wav").path
        let speech = try await EspeakSynthesizer(timeout: .seconds(20)).synthesize("--version -w \(target) --help")
        #expect(EspeakSynthesizer.isWAV(speech.bytes))
        #expect(!FileManager.default.fileExists(atPath: target))
    }

    @Test("a missing program is a provider error")
    func missingProgram() async throws {
        let directory = try TemporaryDirectory()
        let synthesizer = EspeakSynthesizer(executablePath: directory.url.appendingPathComponent("no-such-espeak").path)
        let error = await #expect(throws: ProviderError.self) { try await synthesizer.synthesize("Hello") }
        #expect(error?.provider == "espeak")
    }

    @Test("a program that fails is a provider error carrying its stderr")
    func failingProgram() async throws {
        let directory = try TemporaryDirectory()
        let script = try directory.script("fails", "echo 'voice not found' >&2\nexit 3")
        let error = await #expect(throws: ProviderError.self) {
            try await EspeakSynthesizer(executablePath: script).synthesize("Hello")
        }
        #expect(error?.reason == "exited with status 3: voice not found")
    }

    @Test("a program that never finishes is killed at the timeout")
    func hangingProgram() async throws {
        let directory = try TemporaryDirectory()
        let script = try directory.script("hangs", "exec /usr/bin/tail -f /dev/null")
        let took = await elapsed {
            let error = await #expect(throws: ProviderError.self) {
                try await EspeakSynthesizer(executablePath: script, timeout: .milliseconds(300)).synthesize("Hello")
            }
            #expect(error?.reason.contains("killed") == true)
        }
        #expect(took < Bounds.farBelowAnyOtherEnd)
    }

    @Test("a program that writes something other than WAV is a provider error")
    func notWAV() async throws {
        let directory = try TemporaryDirectory()
        // Writes to the file given after -w, as espeak-ng would, but not a WAV.
        let script = try directory.script("writes-text", #"while [ "$1" != "-w" ]; do shift; done; echo hello > "$2""#)
        let error = await #expect(throws: ProviderError.self) {
            try await EspeakSynthesizer(executablePath: script).synthesize("Hello")
        }
        #expect(error?.reason == "the output is not a WAV file")
    }

    @Test("voice names that could pass for options are refused")
    func badVoice() async throws {
        let error = await #expect(throws: ProviderError.self) {
            try await EspeakSynthesizer(executablePath: "/bin/true", voice: "--help").synthesize("Hello")
        }
        #expect(error?.reason == "invalid voice name")
    }

    @Test("locate finds an executable on a PATH-style list and nothing elsewhere")
    func locate() throws {
        let directory = try TemporaryDirectory()
        let script = try directory.script("espeak-ng", "exit 0")
        #expect(EspeakSynthesizer.locate(searchPath: "/nonexistent:\(directory.url.path)") == script)
        #expect(EspeakSynthesizer.locate(searchPath: "/nonexistent") == nil)
        #expect(EspeakSynthesizer.locate(searchPath: nil) == nil)
    }
}

/// A directory removed when the value is released, for scripts standing in for espeak-ng.
final class TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("turns-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// An executable `/bin/sh` script; returns its path.
    func script(_ name: String, _ body: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try Data("#!/bin/sh\n\(body)\n".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }
}
