import ArgumentParser
import Foundation
import Runtime

/// Turns errors into the one-line message on stderr and non-zero exit every command promises,
/// never a stack trace.
enum CommandFailure {
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            fail(message(for: error))
        }
    }

    static func reporting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            fail(message(for: error))
        }
    }

    /// The one line for an error: the message of the errors that have one, else its description.
    static func message(for error: any Error) -> String {
        switch error {
        case let error as ArenaError: error.message
        case let error as ConfigError: error.description
        case let error as RuntimeError: error.description
        default: "\(error)"
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("moltarena: \(message)\n".utf8))
        exit(1)
    }
}
