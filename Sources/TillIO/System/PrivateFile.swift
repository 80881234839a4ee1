import Glibc

/// Files that hold secrets or personal data (terminal keys, member data reports): readable by their owner only.
///
/// Guarantees: the file has mode 0600 before the first byte is written, also when it existed with a wider mode
/// (it is truncated and narrowed, never written world-readable for a moment); the data is fsynced when `write`
/// returns; a failure throws `IOError.syscall` naming the call.
public enum PrivateFile {
    public static let mode: mode_t = 0o600

    public static func write(_ bytes: [UInt8], to path: String) throws(IOError) {
        let fd = try Posix.must("open") { Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
        defer { Glibc.close(fd) }
        _ = try Posix.must("fchmod") { Glibc.fchmod(fd, mode) }
        var offset = 0
        while offset < bytes.count {
            let written = try Posix.must("write") {
                bytes.withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            }
            offset += written
        }
        _ = try Posix.must("fsync") { Glibc.fsync(fd) }
    }
}
