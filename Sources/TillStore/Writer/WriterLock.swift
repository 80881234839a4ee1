import Glibc

/// An exclusive advisory lock (`flock`) on `<database>.writer-lock`, held by the writer for its whole life.
///
/// Guarantees: at most one `Store` per database file writes at a time, across processes (a second `tilld` on the
/// same file is refused at open instead of becoming a second writer); the kernel releases the lock when the
/// process dies, so a crash never leaves a stale lock.
final class WriterLock {
    private let descriptor: Int32

    init(databasePath: String) throws(StoreOpenError) {
        let lockPath = databasePath + ".writer-lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .alreadyOpen(path: databasePath, reason: "cannot open \(lockPath): errno \(errno)") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            throw .alreadyOpen(path: databasePath, reason: code == EWOULDBLOCK ? "another writer holds \(lockPath)" : "flock errno \(code)")
        }
        descriptor = fd
    }

    deinit { close(descriptor) }
}
