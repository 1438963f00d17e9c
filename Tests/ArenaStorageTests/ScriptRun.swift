import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A command run in the background (its standard output discarded), whose exit the test polls.
///
/// Not Foundation's `Process`: on Linux it learns that a child exited when a descriptor the child
/// inherited is closed, and the PostgreSQL server that `scripts/postgres.sh` leaves running keeps
/// that descriptor open, so `isRunning` stays true after the script has exited. `waitpid` does not
/// care.
final class ScriptRun {
    private let pid: pid_t
    private var status: Int32?

    init(_ arguments: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
        self.pid = pid
    }

    /// The exit status once the command has exited, nil while it runs.
    func exitStatus() -> Int32? {
        if status == nil { reap(options: WNOHANG) }
        return status
    }

    /// Waits for the command to exit; its exit status.
    func waitForExit() -> Int32? {
        while status == nil { reap(options: 0) }
        return status
    }

    private func reap(options: Int32) {
        var raw: Int32 = 0
        let result = waitpid(pid, &raw, options)
        if result == pid {
            // WIFEXITED / WEXITSTATUS, which Swift does not import: a signal is reported as -1.
            status = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : -1
        } else if result == -1 && errno != EINTR {
            status = -1
        }
    }
}
