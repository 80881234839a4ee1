import Glibc

import Foundation

/// The store's files on disk: the database, its `-wal` and `-shm` files, the writer lock, and the journal directory
/// `<database>.journal` (segments are created 0600 in a 0700 directory by `DiskJournalDirectory`).
///
/// Guarantees: after `restrict(databasePath:)` every one of them that exists is readable and writable by the owner
/// only (0600), and the database exists, so SQLite creates its `-wal` and `-shm` files with the database's mode
/// (its unix VFS copies the database file's permissions): members' personal data is never world-readable.
public enum StoreFiles {
    /// Owner read and write, nothing for group and others.
    public static let mode: mode_t = 0o600

    /// The database and the files SQLite and the writer keep beside it.
    public static func paths(databasePath: String) -> [String] {
        [databasePath, databasePath + "-wal", databasePath + "-shm", databasePath + ".writer-lock"]
    }

    /// The journal directory of the database at `databasePath`.
    public static func journalDirectory(databasePath: String) -> String { databasePath + ".journal" }

    /// Deletes a store: the database, the files beside it and its journal (benchmarks and scratch copies; a store
    /// with a journal but no database would rebuild itself from the journal).
    public static func remove(databasePath: String) {
        for path in paths(databasePath: databasePath) + [journalDirectory(databasePath: databasePath)] {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// Creates the database file (empty, 0600) when missing, and sets 0600 on it and on the files beside it.
    public static func restrict(databasePath: String) throws(StoreOpenError) {
        let fd = open(databasePath, O_RDWR | O_CREAT | O_CLOEXEC, mode)
        guard fd >= 0 else { throw .files(path: databasePath, reason: "errno \(errno)") }
        close(fd)
        for path in paths(databasePath: databasePath) where access(path, F_OK) == 0 {
            guard chmod(path, mode) == 0 else {
                throw .files(path: path, reason: "cannot set mode 0600: errno \(errno)")
            }
        }
    }
}
