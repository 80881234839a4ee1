import CLinux
import Foundation
import Glibc

/// Process-wide knobs the daemon, the tests and the benchmark need: SIGPIPE, the open-files limit, RSS.
public enum ProcessResources {
    /// Ignores SIGPIPE process-wide. Idempotent; event loops call it on creation.
    public static func ignoreSIGPIPE() { Posix.ignoreSIGPIPE() }

    /// Raises the soft RLIMIT_NOFILE to `wanted` (capped by the hard limit); returns the soft limit now in force.
    @discardableResult
    public static func raiseOpenFilesLimit(to wanted: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        let target = min(rlim_t(wanted), limit.rlim_max)
        if limit.rlim_cur < target {
            limit.rlim_cur = target
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(limit.rlim_cur)
    }

    /// Resident set size in bytes, from /proc/self/status (VmRSS), or nil.
    public static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first
            return kilobytes.map { $0 * 1024 }
        }
        return nil
    }

    /// The number of online CPU cores (at least 1).
    public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
