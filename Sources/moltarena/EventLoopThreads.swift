import Foundation
import NIOCore
import NIOPosix

/// How many event loop threads the server runs.
///
/// One per core this process may run on. NIO's own default counts the machine's cores (or the
/// cgroup's quota), not the CPU affinity mask: a server started with `taskset -c 0` on a 2-core
/// machine would otherwise run two loops that take turns on one core, and every hop between them
/// (a broadcast reaching the other loop's connections) becomes a context switch.
enum EventLoopThreads {
    /// Sizes NIO's shared event loop group. Must run before anything touches
    /// `MultiThreadedEventLoopGroup.singleton`.
    static func configure(requested: Int?) {
        let count = max(1, requested ?? coresInAffinityMask() ?? System.coreCount)
        NIOSingletons.groupLoopCountSuggestion = count
    }

    /// The number of CPUs in this process's affinity mask (Linux: `Cpus_allowed` in
    /// /proc/self/status), or nil where it cannot be read.
    static func coresInAffinityMask() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        return affinityCount(status: status)
    }

    /// Counts the CPUs in the hex mask of a /proc/PID/status text ("Cpus_allowed:\tff,ffffffff").
    static func affinityCount(status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return nil }
        var count = 0
        for character in line.dropFirst("Cpus_allowed:".count) where character.isHexDigit {
            count += character.hexDigitValue!.nonzeroBitCount
        }
        return count > 0 ? min(count, System.coreCount) : nil
    }
}
