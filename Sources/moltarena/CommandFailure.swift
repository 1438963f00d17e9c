import ArgumentParser
import Foundation
import Runtime

/// Turns errors into the one-line message on stderr and non-zero exit every command promises,
/// never a stack trace.
enum CommandFailure {
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ArenaError {
            fail(error.message)
        } catch let error as ConfigError {
            fail(error.description)
        } catch let error as RuntimeError {
            fail(error.description)
        } catch {
            fail("\(error)")
        }
    }

    static func reporting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ArenaError {
            fail(error.message)
        } catch let error as ConfigError {
            fail(error.description)
        } catch let error as RuntimeError {
            fail(error.description)
        } catch {
            fail("\(error)")
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("moltarena: \(message)\n".utf8))
        exit(1)
    }
}
