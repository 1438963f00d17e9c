import Foundation

/// Resident memory of a process, from `/proc/<pid>/status` (Linux).
public enum ProcessMemory {
    /// `VmRSS` in KiB, or nil when the process or the file does not exist.
    public static func residentKiB(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        return parseVmRSS(status)
    }

    static func parseVmRSS(_ status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
        }
        return nil
    }
}
