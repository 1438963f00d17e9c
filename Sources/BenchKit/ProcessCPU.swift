import Foundation

/// CPU time a process has used, from `/proc/<pid>/stat` (Linux): read at the start and the end
/// of a measured window, so the server's work for the load is told apart from its setup
/// (sign-ups, connects and joins cost more than the turns at thousands of connections).
public enum ProcessCPU {
    /// User + system time in seconds, or nil when the process or the file does not exist.
    public static func seconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        return parseStat(stat, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// utime (field 14) + stime (field 15), counted after the command name, which is in
    /// parentheses and may hold spaces.
    static func parseStat(_ stat: String, ticksPerSecond: Double) -> Double? {
        guard let close = stat.lastIndex(of: ")"), ticksPerSecond > 0 else { return nil }
        // Fields from the 3rd (state) on.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / ticksPerSecond
    }
}
