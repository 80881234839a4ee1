import Foundation

/// What `Store.restore` did.
public struct RestoreReport: Sendable, Equatable {
    /// The database now holding the backup's contents.
    public var databasePath: String
    /// The backup's schema version (migrated to the current one when the daemon next opens the store).
    public var schemaVersion: Int64
    /// Where the replaced database (and its `-wal`/`-shm` files and `.journal` directory) was moved, when there was one.
    public var previous: String?
}

extension Store {
    /// Replaces the store at `databasePath` by the contents of `backup` (a copy made by `backup(to:)`), offline.
    ///
    /// Guarantees: refused while a daemon (any writer) holds the store's writer lock, and refused when the backup
    /// fails `PRAGMA integrity_check` or was written by a newer Till — in both cases nothing is changed. The store
    /// being replaced is not deleted: its files are renamed to `<database>.before-restore-<time>` (with `-wal` and
    /// `-shm` and the `.journal` directory, whose records belong to the old database), so a restore can itself be undone;
    /// the restored database continues the journal from the position the backup holds. The new database is copied page by page through SQLite's backup
    /// API (no stale WAL of the old store can be applied to it), checkpointed, fsynced, and left with mode 0600.
    public static func restore(from backup: String, to databasePath: String, now: Date = Date()) throws -> RestoreReport {
        let lock = try WriterLock(databasePath: databasePath)
        defer { withExtendedLifetime(lock) {} }
        guard FileManager.default.fileExists(atPath: backup) else { throw StoreOpenError.files(path: backup, reason: "no such file") }
        let source = try Connection(path: backup, options: OpenOptions(mode: .readOnly))
        let integrity = try source.text("PRAGMA integrity_check") ?? ""
        guard integrity == "ok" else { throw StoreOpenError.files(path: backup, reason: "integrity check failed: \(integrity)") }
        let version = try source.int64("PRAGMA user_version") ?? 0
        guard version >= 1 else { throw StoreOpenError.files(path: backup, reason: "not a Till store (schema version 0)") }
        try Migrator.refuseNewer(path: backup, supported: Int64(Schema.migrations.count))
        _ = try source.int64("SELECT count(*) FROM sqlite_schema")  // pins the snapshot for the copy

        var previous: String?
        if FileManager.default.fileExists(atPath: databasePath) {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
            let aside = databasePath + ".before-restore-" + formatter.string(from: now)
            // The journal goes with the database it belongs to: its records must never be replayed onto the backup.
            let files = { (database: String) in
                [database, database + "-wal", database + "-shm", StoreFiles.journalDirectory(databasePath: database)]
            }
            for (from, to) in zip(files(databasePath), files(aside)) where FileManager.default.fileExists(atPath: from) {
                guard rename(from, to) == 0 else {
                    throw StoreOpenError.files(path: from, reason: "cannot move it to \(to): errno \(errno)")
                }
            }
            previous = aside
        }
        try StoreFiles.restrict(databasePath: databasePath)
        try OnlineBackup.copyDatabase(from: source, toFile: databasePath, pagesPerStep: 4_096)
        try StoreFiles.restrict(databasePath: databasePath)
        return RestoreReport(databasePath: databasePath, schemaVersion: version, previous: previous)
    }
}
